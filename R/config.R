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
#' @section Files kswitch will not trust or write:
#' Keras silently uses its defaults when `keras.json` is corrupt; kswitch never does.
#' Each case below is an error of class `kswitch_error_config` that names the file and
#' the fix, and leaves the file as it is (see `RELIABILITY.md` for the tests):
#' * corrupt JSON (with line and column), `NaN` or `Infinity` (not JSON, though Python
#'   reads them), not UTF-8, nested too deeply, an empty file, a JSON array or other
#'   non-object, or a file over 1 MiB;
#' * a value Keras rejects: `floatx` other than float16/32/64, `image_data_format` other
#'   than channels_last/first, `epsilon` that is not a positive finite JSON float (Keras
#'   rejects `1`; kswitch also rejects infinite and negative values), a `backend`
#'   that is not a non-empty string;
#' * a `backend` Keras 3 does not have (`"theano"`, `"foo"`): reading the file works,
#'   but importing Keras from it is an error suggesting `use_backend("tensorflow")`;
#'   [use_backend()] still works, because it sets `KERAS_BACKEND` first;
#' * `keras.json` that is a directory, a FIFO or another non-regular file;
#' * `KERAS_HOME` set but empty, or relative (Keras would resolve it against the working
#'   directory, which `setwd()` changes); `~` in `KERAS_HOME` is expanded, as Keras does
#'   for the file's path;
#' * writes only: a file or directory without write permission (also for root: a
#'   read-only file is never replaced), and a symlinked `keras.json` whose target is
#'   missing, not a regular file, or owned by another user. A symlink to a regular file
#'   you own is written through, so the link stays a link.
#'
#' A missing file is not an error (Keras's defaults apply); a write creates it, and
#' its directory, as Keras does. Only [repair_keras_config()], on your request, rewrites
#' an untrusted file, after keeping a backup.
#'
#' @returns `keras_config()`: a list of class `kswitch_config` with elements `path`,
#'   `exists`, `file`, `file_error`, `backend`, `backend_source`, `keras_backend_env`,
#'   `keras_imported`, `session`, `keras_version`, `python` and `python_kind` (see
#'   [python_kind()]: `"managed"` for reticulate's managed Python).
#'   `keras_config_path()`: a character string.
#' @family configuration
#' @export
#' @examples
#' keras_config()
#' keras_config_path()
keras_config <- function() {
  info <- core_call("config_info")
  info$python_kind <- python_kind()
  structure(info, class = "kswitch_config")
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
  if (!is.null(x$python_kind)) cat(sprintf("Python:   %s\n", describe_kind(x$python_kind)))
  invisible(x)
}

#' Repair an untrusted keras.json, keeping a backup
#'
#' When [keras_config()] reports that `keras.json` cannot be trusted (corrupt JSON, an
#' empty file, a JSON array, a value Keras rejects, ...), `repair_keras_config()` copies
#' the file byte for byte to `keras.json.bak-<date>-<time>` next to it, then writes a
#' valid file keeping whatever could be kept: every valid setting and unknown key of a
#' JSON object, with an integer or string `epsilon` turned into a float; values Keras
#' rejects are dropped (Keras then uses its default for them). A file that is not a JSON
#' object at all is replaced by Keras's defaults. A trusted or missing file is left
#' alone. kswitch never repairs a file unless you call this.
#'
#' It refuses, with a `kswitch_error_config` error, what it cannot repair safely: a
#' directory or other non-regular file, a read-only file or directory, and a symlink
#' that kswitch would not write through (see [keras_config()]).
#'
#' @returns A list, invisibly: `path`, `repaired` (`FALSE` when nothing needed doing),
#'   `backup` (the backup's path), `problem` (what was wrong), and the keys `kept`,
#'   `converted` and `dropped`.
#' @family configuration
#' @export
#' @examples
#' f <- function() {
#'   home <- local_keras_home()
#'   dir.create(home)
#'   writeLines('{"backend": "jax", "epsilon": 1,,}', file.path(home, "keras.json"))
#'   result <- repair_keras_config()
#'   print(readLines(file.path(home, "keras.json")))
#'   unlink(home, recursive = TRUE)
#' }
#' f()
repair_keras_config <- function() {
  result <- core_call("repair_config")
  if (!isTRUE(result$repaired)) {
    inform_kswitch(sprintf("%s needs no repair.", result$path),
                  class = "kswitch_message_repair")
    return(invisible(result))
  }
  keys <- function(x) if (length(x)) paste(unlist(x), collapse = ", ") else "none"
  inform_kswitch(c(
    v = sprintf("Repaired %s.", result$path),
    x = result$problem,
    i = sprintf("Backup: %s", result$backup),
    i = sprintf("Kept: %s; converted: %s; dropped: %s.", keys(result$kept),
                keys(result$converted), keys(result$dropped))
  ), class = "kswitch_message_repair")
  invisible(result)
}
