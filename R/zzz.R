.onLoad <- function(libname, pkgname) {
  if (isNamespaceLoaded("knitr")) register_knitr_hook()
  setHook(packageEvent("knitr", "onLoad"), register_knitr_hook)
}
