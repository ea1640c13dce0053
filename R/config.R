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
  state <- if (!is.null(x$file_error)) "(cannot be trusted)" else if (!isTRUE(x$exists))
    "(missing: Keras defaults apply)" else ""
  cat("<Keras configuration>\n")
  cat("File:    ", x$path, state, "\n")
  if (!is.null(x$file_error)) cat(paste0("  ", strsplit(x$file_error, "\n")[[1]], "\n"), sep = "")
  for (key in names(x$file)) {
    cat(sprintf("  %s: %s\n", key, paste(format(unlist(x$file[[key]])), collapse = ", ")))
  }
  if (!is.null(x$backend)) cat(sprintf("Backend:  %s (from %s)\n", x$backend, x$backend_source))
  session <- if (is.null(x$session)) "Keras not imported yet" else
    sprintf("epsilon %s, floatx %s, image_data_format %s", format(x$session$epsilon),
            x$session$floatx, x$session$image_data_format)
  cat("Session: ", session, "\n")
  cat(sprintf("Keras:    %s in %s\n", x$keras_version %||% "not installed", x$python))
  invisible(x)
}
