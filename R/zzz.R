.onLoad <- function(libname, pkgname) {
  if (isNamespaceLoaded("knitr")) register_knitr_hook()
  setHook(packageEvent("knitr", "onLoad"), register_knitr_hook)
  # What the user had, before keras3's .onLoad sets its default (see keras3_loaded()).
  if (!isNamespaceLoaded("keras3")) {
    .kswitch$keras_backend_before_keras3 <- Sys.getenv("KERAS_BACKEND", NA)
  }
  # On managed Python, kswitch alone declares Keras and the start-up backend (keras3 does too).
  if (!isNamespaceLoaded("keras3")) request_startup_backend()
  on_package_load("keras3", keras3_loaded)
  on_package_load("keras", keras2_loaded)
  # Attach hooks are called with the package's name.
  setHook(packageEvent("keras", "attach"), tell_masked_once)
  setHook(packageEvent("keras3", "attach"), tell_masked_once)
}

.onAttach <- function(libname, pkgname) {
  unmask_keras2_names()
}
