#' Point Keras and kswitch at a temporary config directory
#'
#' Sets `KERAS_HOME` for the calling scope, so `keras.json` is read and written in
#' `path` instead of the user's `~/.keras`, and restores it (and removes nothing else)
#' on exit. Works before and after Python has started: once Python runs, R's
#' `Sys.setenv()` is not seen by Python, so kswitch sets it through Python. Keras reads
#' the file when it is first imported; afterwards, kswitch's functions follow the new
#' directory at once.
#'
#' @param path The directory to use (created when a file is first written there). A
#'   relative path is made absolute against the working directory now, so a later
#'   `setwd()` does not move it (kswitch refuses a relative `KERAS_HOME`).
#' @param .local_envir The environment whose exit restores the previous value.
#' @returns `path`, invisibly.
#' @family testing helpers
#' @export
#' @examples
#' f <- function() {
#'   local_keras_home()
#'   keras_config_path()
#' }
#' f()
local_keras_home <- function(path = tempfile("keras-home-"), .local_envir = parent.frame()) {
  check_string(path)
  check_environment(.local_envir)
  path <- path.expand(path)
  if (!startsWith(path, "/")) path <- file.path(getwd(), path)
  old <- set_keras_home(path)
  withr::defer(set_keras_home(old), envir = .local_envir)
  invisible(path)
}

# Sets KERAS_HOME (NA unsets it) where Python sees it; returns the old value.
set_keras_home <- function(path) {
  if (python_started()) {
    return(core_call("set_keras_home", if (is.na(path)) NULL else path) %||% NA_character_)
  }
  old <- Sys.getenv("KERAS_HOME", unset = NA)
  if (is.na(path)) Sys.unsetenv("KERAS_HOME") else Sys.setenv(KERAS_HOME = path)
  old
}
