.onLoad <- function(libname, pkgname) {
  if (isNamespaceLoaded("knitr")) register_knitr_hook()
  setHook(packageEvent("knitr", "onLoad"), register_knitr_hook)
  # Attach hooks are called with the package's name.
  setHook(packageEvent("keras", "attach"), tell_masked_once)
  setHook(packageEvent("keras3", "attach"), tell_masked_once)
}

.onAttach <- function(libname, pkgname) {
  unmask_keras2_names()
}
