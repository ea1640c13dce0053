#' The Keras configuration: file, session and where the backend comes from
#'
#' `keras_config()` gathers, without importing Keras: the path of `keras.json` and its
#' contents (or why it cannot be trusted), the backend and where it comes from
#' (`"kswitch"` for [use_backend()] in this session, `"KERAS_BACKEND"` for the
#' environment variable set outside kswitch, `"keras.json"` or `"default"`), and, once
#' Keras is imported, the session's settings. `keras_config_path()` is the file's path,
#' found exactly as Keras finds it: `$KERAS_HOME/keras.json` if `KERAS_HOME` is set,
#' else `~/.keras/keras.json`, or `/tmp/.keras/keras.json` when the home directory is
#' not writable.
#'
#' @returns `keras_config()`: a list of class `kswitch_config` with elements `path`,
#'   `exists`, `file`, `file_error`, `backend`, `backend_source`, `keras_backend_env`,
#'   `keras_imported`, `session`, `keras_version` and `python`.
#'   `keras_config_path()`: a character string.
#' @family configuration
#' @export
#' @examples
#' \dontshow{home <- kswitch::local_keras_home()}
#' keras_config()
#' keras_config_path()
keras_config <- function() {
  structure(core_call("config_info"), class = "kswitch_config")
}

#' @rdname keras_config
#' @export
keras_config_path <- function() {
  core_call("config_path")
}

#' @export
print.kswitch_config <- function(x, ...) {
  cli::cli_text("{.strong Keras configuration}")
  file_state <- if (!is.null(x$file_error)) "cannot be trusted" else if (isTRUE(x$exists))
    "" else "(missing: Keras defaults apply)"
  cli::cli_text("File: {.path {x$path}} {file_state}")
  if (!is.null(x$file_error)) cli::cli_alert_danger(x$file_error)
  if (length(x$file)) {
    values <- vapply(x$file, function(v) paste(format(v), collapse = ", "), "")
    cli::cli_bullets(stats::setNames(paste0(names(values), ": ", values), rep("*", length(values))))
  }
  if (!is.null(x$backend)) {
    cli::cli_text("Backend: {.val {x$backend}} (from {x$backend_source})")
  }
  if (!is.null(x$session)) {
    cli::cli_text(paste("Session: epsilon {x$session$epsilon}, floatx {.val {x$session$floatx}},",
                        "image_data_format {.val {x$session$image_data_format}}"))
  } else {
    cli::cli_text("Session: Keras not imported yet")
  }
  cli::cli_text("Keras {x$keras_version %||% 'not installed'} in {.path {x$python}}")
  invisible(x)
}
