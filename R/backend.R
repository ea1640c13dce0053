#' Use a Keras backend, in this session and in new ones
#'
#' `use_backend()` switches the Keras backend of the running R session, and with
#' `persist = TRUE` also writes it to `keras.json`, so new sessions start on it.
#' It works before and after Keras was imported: before, Keras will simply load on the
#' new backend; after, Keras is reloaded in place. Switching back to a backend this
#' session already used takes about a millisecond. The session's settings
#' ([k_epsilon()], [k_floatx()], [k_image_data_format()]) are kept across a switch.
#'
#' The switch is a transaction: if Keras cannot load on the new backend, the session is
#' put back on the previous one, still working, `keras.json` is left as it was, and a
#' `kswitch_error_switch_failed` error says which package failed.
#'
#' Python objects taken before a switch (a module from `reticulate::import("keras")`,
#' models, layers, tensors) belong to the backend they were made on; take them again
#' after a switch, e.g. with [keras_module()], or switch back to use them.
#'
#' @param backend Name of the backend: one of `"tensorflow"`, `"jax"`, `"torch"`,
#'   `"numpy"`, `"openvino"` (see [backends()]). Case-sensitive, as in Keras.
#' @param persist Also write the backend to `keras.json` (see [keras_config_path()])?
#'   Other settings and unknown keys in the file are kept.
#' @returns The previous backend's name, invisibly.
#' @family backends
#' @seealso [keras.config.set_backend()](https://keras.io/api/utils/config_utils/), which
#'   this replaces.
#' @export
#' @examples
#' old <- use_backend("jax", persist = FALSE)
#' backend()
#' use_backend(old, persist = FALSE)
use_backend <- function(backend, persist = TRUE) {
  check_string(backend)
  check_flag(persist)
  result <- core_call("use_backend", backend, persist = persist)
  inform_switch(result)
  invisible(result$previous)
}

# Plain sprintf + rlang::inform: the message is formatted only if shown, so a suppressed
# switch back costs well under a millisecond of R time (cli_inform alone took ~6 ms).
inform_switch <- function(result) {
  quoted <- function(x) paste0('"', x, '"')
  bullets <- if (identical(result$previous, result$backend)) {
    c(v = sprintf("Keras backend: %s (unchanged).", quoted(result$backend)))
  } else {
    how <- if (isTRUE(result$first_import)) sprintf("Keras loaded in %.1f s", result$seconds)
      else if (isTRUE(result$reloaded)) sprintf("already loaded: %.1f ms", 1000 * result$seconds)
      else "Keras loads on it when first used"
    c(v = sprintf("Keras backend: %s -> %s (%s).", quoted(result$previous),
                  quoted(result$backend), how))
  }
  if (!is.null(result$persisted_to)) {
    bullets <- c(bullets, i = sprintf("Saved to %s: new sessions start on it.",
                                      result$persisted_to))
  }
  if (!is.null(result$override)) {
    bullets <- c(bullets, "!" = sprintf(paste(
      "KERAS_BACKEND=%s was set outside kswitch and overrides keras.json in new sessions;",
      "unset it (e.g. in ~/.Renviron) to let the file decide."), result$override))
  }
  rlang::inform(bullets, class = "kswitch_message_switch")
}

#' The current Keras backend
#'
#' The backend Keras runs on in this session, or would load on if imported now
#' (from `KERAS_BACKEND`, else `keras.json`, else `"tensorflow"`). Neither function
#' imports Keras. `k_backend()` is the name the R keras package uses.
#'
#' @returns The backend's name, a character string.
#' @family backends
#' @export
#' @examples
#' backend()
#' k_backend()
backend <- function() {
  core_call("backend")
}

#' @rdname backend
#' @export
k_backend <- function() {
  core_call("backend")
}

#' The Keras backends and their state in this session
#'
#' Lists every backend Keras 3 knows, whether its library is installed in the Python
#' that kswitch uses (read from package metadata, without importing it), its version,
#' whether it is the active one, whether this session already loaded Keras on it (so a
#' switch to it is instant), and whether Keras can train models on it.
#'
#' @returns A data frame with columns `backend`, `installed`, `version`, `active`,
#'   `loaded` and `trainable`.
#' @family backends
#' @export
#' @examples
#' backends()
backends <- function() {
  table <- core_call("backends_table")
  data.frame(
    backend = as_column(table$backend, ""),
    installed = as_column(table$installed, NA),
    version = as_column(table$version, ""),
    active = as_column(table$active, NA),
    loaded = as_column(table$loaded, NA),
    trainable = as_column(table$trainable, NA),
    stringsAsFactors = FALSE
  )
}
