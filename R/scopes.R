# Scoped state in withr's pattern: a local_ function that restores on exit of the calling
# frame, and a with_ function that restores after `code`. None of them writes keras.json.

#' Use a backend for a scope, then get the previous one back
#'
#' `local_backend()` switches this session to `backend` until the calling function (or
#' test) exits; `with_backend()` runs `code` on `backend`. Afterwards, also when the code
#' fails, the session is back on its previous backend with its previous settings
#' ([k_epsilon()], [k_floatx()], [k_image_data_format()]) and `KERAS_BACKEND` as it was.
#' `keras.json` is never written: these are for tests, notebooks and functions that need a
#' backend for a while without changing the user's choice. They switch quietly.
#'
#' If Keras was not imported before the scope and the code imports it, Keras is set aside
#' when the scope ends (kept for a quick switch later), so the session is again in the
#' state "not imported yet" and loads on its previous backend when next used.
#'
#' @param backend Name of the backend for the scope (see [backends()]).
#' @param code Code to run on `backend`.
#' @param .local_envir The environment whose exit restores the previous backend.
#' @returns `local_backend()`: the previous backend's name, invisibly. `with_backend()`:
#'   the value of `code`.
#' @family scoped state
#' @export
#' @examplesIf backend_available("jax") && backend_available("torch")
#' with_backend("jax", backend())
#' backend()
#'
#' on_torch <- function() {
#'   local_backend("torch")
#'   keras_module()$ops$ones(c(2L, 2L))$device
#' }
#' on_torch()
local_backend <- function(backend, .local_envir = parent.frame()) {
  check_string(backend)
  check_environment(.local_envir)
  state <- begin_scope(list(backend = backend), .local_envir)
  invisible(state$backend)
}

#' @rdname local_backend
#' @export
with_backend <- function(backend, code) {
  local_backend(backend)
  code
}

#' Use Keras settings for a scope, then get the previous ones back
#'
#' `local_keras_config()` sets the session's epsilon, float type and image data format
#' until the calling function (or test) exits; `with_keras_config()` runs `code` with
#' them. Settings left `NULL` are not changed. Afterwards, also when the code fails, the
#' previous values are back. `keras.json` is never written. Keras is imported (settings
#' live in Keras), and set aside again at the end of the scope if it was not imported
#' before, as in [local_backend()].
#'
#' @param epsilon Fuzz factor: a positive, finite number, or `NULL`.
#' @param floatx Default float type (see [k_set_floatx()]), or `NULL`.
#' @param image_data_format `"channels_last"` or `"channels_first"`, or `NULL`.
#' @param .local_envir The environment whose exit restores the previous settings.
#' @param new A named list of settings: any of `epsilon`, `floatx`, `image_data_format`.
#' @param code Code to run with the settings.
#' @returns `local_keras_config()`: the previous settings (a named list), invisibly.
#'   `with_keras_config()`: the value of `code`.
#' @family scoped state
#' @export
#' @examplesIf backend_available(backend())
#' with_keras_config(list(epsilon = 1e-4, floatx = "float64"), c(k_epsilon(), k_floatx()))
#' k_epsilon()
local_keras_config <- function(epsilon = NULL, floatx = NULL, image_data_format = NULL,
                               .local_envir = parent.frame()) {
  check_environment(.local_envir)
  if (!is.null(epsilon)) check_number(epsilon)
  if (!is.null(floatx)) check_string(floatx)
  if (!is.null(image_data_format)) check_string(image_data_format)
  settings <- list(epsilon = epsilon, floatx = floatx, image_data_format = image_data_format)
  state <- begin_scope(settings[!vapply(settings, is.null, TRUE)], .local_envir)
  invisible(state$settings)
}

#' @rdname local_keras_config
#' @export
with_keras_config <- function(new, code) {
  valid <- setdiff(names(formals(local_keras_config)), ".local_envir")
  if (!is.list(new) || length(new) == 0 || is.null(names(new)) || !all(names(new) %in% valid)) {
    abort_argument("new", new, paste0("a named list of settings among ",
                                      paste0("`", valid, "`", collapse = ", ")),
                   call = rlang::current_env())
  }
  do.call(local_keras_config, new)
  code
}

# Switches the session (never the file) with the Python core's checks, and restores it when
# `envir` exits. The state to restore stays with R, so scopes nest.
begin_scope <- function(args, envir, call = rlang::caller_env()) {
  undo <- request_backend(args$backend, retry = sprintf("call `with_backend(%s, ...)`",
                                                        quoted(args$backend)), call = call)
  state <- withCallingHandlers(do.call(core_call, c(list("begin_scope"), args, call = call)),
                               error = function(e) undo_request(undo))
  withr::defer(core_call("end_scope", state), envir = envir)
  state
}

#' Point Keras and kswitch at a temporary config directory
#'
#' `local_keras_home()` sets `KERAS_HOME` for the calling scope, so `keras.json` is read
#' and written in `path` instead of the user's `~/.keras`, and restores it (and removes
#' nothing) on exit; `with_keras_home()` does the same around `code`. They work before and
#' after Python has started: once Python runs, R's `Sys.setenv()` is not seen by Python,
#' so kswitch sets it through Python. Keras reads the file when it is first imported;
#' afterwards, kswitch's functions follow the new directory at once.
#'
#' @param path The directory to use (created when a file is first written there). A
#'   relative path is made absolute against the working directory now, so a later
#'   `setwd()` does not move it (kswitch refuses a relative `KERAS_HOME`).
#' @param .local_envir The environment whose exit restores the previous value.
#' @param code Code to run with `KERAS_HOME` set to `path`.
#' @returns `local_keras_home()`: `path`, invisibly. `with_keras_home()`: the value of
#'   `code`.
#' @family scoped state
#' @export
#' @examples
#' with_keras_home(tempfile(), keras_config_path())
#'
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

#' @rdname local_keras_home
#' @export
with_keras_home <- function(path, code) {
  local_keras_home(path)
  code
}

# Sets KERAS_HOME (NA unsets it) where Python sees it; returns the old value.
set_keras_home <- function(path) set_env_var("KERAS_HOME", path)
