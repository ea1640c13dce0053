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
#' Objects keep their backend: a model, layer, optimizer, loss, metric, callback or
#' variable made before a switch runs on its own backend's Keras when used after it (its
#' Keras is made active for the call, and the session's put back after). Combining objects
#' of two backends, such as a tensorflow optimizer in a jax model's `compile()`, is a
#' `kswitch_error_wrong_backend` error, raised before anything changes. A module from
#' `reticulate::import("keras")` stays on its backend: take it again with [keras_module()].
#'
#' @section reticulate's managed Python:
#' Most keras3 users have no environment of their own: reticulate (>= 1.41) builds an
#' ephemeral one with uv from the packages declared with `reticulate::py_require()`
#' ([python_kind()] is then `"managed"`). There `use_backend()` first requests what keras3's
#' own `use_backend()` requests for the backend, this OS and `gpu` (keras3's `NA`: a GPU if
#' one is seen), added to what the session already requested (a switch needs both Keras
#' trees): the same packages (on Linux CPU: `"jax[cpu]"`; `"torch"`, `"torchvision"`,
#' `"torchaudio"`; `"tensorflow-cpu"` beside each) and the same uv variables (keras3's
#' constraints file in `UV_CONSTRAINT`; for torch on Linux without a GPU, PyTorch's CPU index
#' in `UV_INDEX`, so uv never downloads the CUDA build; `XLA_PYTHON_CLIENT_MEM_FRACTION` for
#' jax on a GPU). kswitch adds Keras itself where keras3 is not loaded, and `"openvino"` for
#' openvino, for which keras3 requests nothing. Where PyTorch's index is out of reach, set
#' `KSWITCH_PYTORCH_INDEX_MIRROR` to a mirror of it (`<mirror>/cpu` is used). Before Python
#' starts the request is free; after, reticulate adds an environment layer (a few seconds
#' from uv's cache). So do the scopes, the knitr chunk option and [carry_model()]. When
#' kswitch or keras3 loads, the backend the session will start on (`KERAS_BACKEND`, else
#' `keras.json`) is requested too, so a backend saved with `persist = TRUE` works in the
#' next session. If uv cannot provide the packages (no network, no wheel for this Python, a
#' conflicting requirement), the switch is a `kswitch_error_backend_unavailable` error
#' naming the requirements and uv's own reason, with the call to retry as you wrote it; the
#' session, `KERAS_BACKEND`, `keras.json`, `py_require()`'s list and uv's variables are left
#' as they were, also when the request succeeded but Keras then failed to load.
#'
#' A `KERAS_BACKEND` set in the session (by `keras3::use_backend()` before Keras loads, or
#' `Sys.setenv()`) is the user's choice: the session starts on it, and kswitch does not
#' warn that it overrides `keras.json` (only one set before R started does).
#'
#' @section Keras 2.3.1: Theano and CNTK:
#' `"theano"` and `"cntk"` exist only in multi-backend Keras 2.3.1, which lives in its own
#' Python 3.6 environment (see [install_backends()]), and one R session binds one Python.
#' So call `use_backend("theano")` in a new R session, before anything starts Python:
#' unless you chose the session's Python yourself (see [python_kind()]), kswitch then binds
#' the Keras 2.3.1 environment, where `"tensorflow"` (TensorFlow 1.14),
#' `"theano"` and `"cntk"` switch in-session like Keras 3's backends. A new session whose
#' `keras.json` (or `KERAS_BACKEND`) says `"theano"` or `"cntk"` binds it too, so the
#' tutorials' way of editing `keras.json` by hand works. In a session already bound to
#' Keras 3, `use_backend("theano")` is a `kswitch_error_backend_elsewhere` error (a
#' `kswitch_error_backend_unavailable`) saying how to get it; so is importing Keras when
#' the file says `"theano"` (other functions, such as [backend()] and [keras_config()],
#' keep working, and `use_backend()` to a Keras 3 backend fixes the file); its fix follows
#' who chose the session's Python (unset `RETICULATE_PYTHON`, drop a required
#' `use_virtualenv()`, leave the project's directory, ...). Writing
#' `"theano"` or `"cntk"` to `keras.json` warns (`kswitch_warning_legacy_backend_persisted`):
#' Keras 3 programs reading the same file fail at import.
#'
#' Keras 2.3.1 on CNTK reports the `accuracy` metric one batch late (an `evaluate()` over
#' one batch gives 0; the loss is right): compute accuracy from `predict()` there.
#'
#' @param backend Name of the backend: one of `"tensorflow"`, `"jax"`, `"torch"`,
#'   `"numpy"`, `"openvino"` (Keras 3), or `"theano"`, `"cntk"` (Keras 2.3.1; see
#'   below and [backends()]). Case-sensitive, as in Keras.
#' @param gpu Accepted so that keras3 code keeps working when kswitch masks keras3's
#'   `use_backend(backend, gpu = NA)`: `NA` (the default) and `FALSE` use the backend as it
#'   is installed (kswitch installs CPU builds, see [install_backends()]); `TRUE` is an error
#'   unless the backend sees a GPU device.
#' @param ... These dots are for future extensions and must be empty.
#' @param persist Also write the backend to `keras.json` (see [keras_config_path()])?
#'   Other settings and unknown keys in the file are kept. Must be named.
#' @returns The previous backend's name, invisibly.
#' @family backends
#' @seealso [keras.config.set_backend()](https://keras.io/api/utils/config_utils/), which
#'   this replaces.
#' @export
#' @examplesIf backend_available("jax")
#' old <- use_backend("jax", persist = FALSE)
#' backend()
#' use_backend(old, persist = FALSE)
use_backend <- function(backend, gpu = NA, ..., persist = TRUE) {
  if (...length()) rlang::check_dots_empty()
  check_string(backend)
  check_flag(gpu, allow_na = TRUE)
  check_flag(persist)
  bind_python(backend)
  undo <- request_backend(backend, gpu)
  result <- withCallingHandlers(
    core_call("use_backend", backend, persist = persist, gpu = isTRUE(gpu)),
    error = function(e) undo_request(undo)  # a failed switch leaves nothing requested
  )
  if (!missing(gpu) && second_argument_unnamed(sys.call())) warn_positional_gpu(result, gpu)
  inform_switch(result)
  if (isTRUE(result$breaks_keras3)) warn_breaks_keras3(result)
  invisible(result$previous)
}

# `use_backend("jax", FALSE)` meant `persist = FALSE` before keras3's `gpu` took the place.
second_argument_unnamed <- function(call) {
  args <- as.list(call)[-1]
  length(args) >= 2 && !nzchar(names(args)[2] %||% "") && !identical(names(args)[1], "gpu")
}

warn_positional_gpu <- function(result, gpu) {
  saved <- if (is.null(result$persisted_to)) "" else
    sprintf(" The backend was saved to %s.", result$persisted_to)
  warn_kswitch(c(
    sprintf("The second argument of `use_backend()` is `gpu` (keras3's), so %s went there.%s",
            deparse(gpu), saved),
    i = sprintf('To switch without saving, name it: `use_backend("%s", persist = FALSE)`.',
                result$backend)
  ), class = "kswitch_warning_positional_gpu")
}

warn_breaks_keras3 <- function(result) {
  warn_kswitch(c(
    sprintf('%s now says "backend": "%s", which only multi-backend Keras 2.3.1 knows.',
            result$persisted_to, result$backend),
    "!" = sprintf(paste("Keras 3 programs reading this file (outside kswitch, and TensorFlow",
                        "itself, which imports Keras) fail with \"Unable to import backend :",
                        "%s\"."), result$backend),
    i = sprintf(paste('To keep them working use `use_backend("%s", persist = FALSE)`, or give',
                      "the Keras 2.3.1 sessions their own KERAS_HOME (set before R starts)."),
                result$backend)
  ), class = "kswitch_warning_legacy_backend_persisted", path = result$persisted_to)
}

inform_switch <- function(result) {
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
    # keras3 alone sets its own KERAS_BACKEND at load; kswitch loaded beside it takes that back.
    who <- if (isNamespaceLoaded("keras3")) " (keras3 too, when kswitch is loaded)" else ""
    bullets <- c(bullets, i = sprintf("Saved to %s: new sessions start on it%s.",
                                      result$persisted_to, who))
  }
  # Only a KERAS_BACKEND from R's start-up (the shell, an Renviron file) reaches new sessions.
  if (!is.null(result$override) && env_var_set_at_start("KERAS_BACKEND")) {
    bullets <- c(bullets, "!" = sprintf(paste(
      "KERAS_BACKEND=%s was set outside kswitch and overrides keras.json in new sessions;",
      "unset it (e.g. in ~/.Renviron) to let the file decide."), result$override))
  }
  inform_kswitch(bullets, class = "kswitch_message_switch")
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
k_backend <- backend

#' The Keras backends and their state in this session
#'
#' Lists every backend kswitch knows: first those of the Keras generation this session's
#' Python has, then the other generation's (multi-backend Keras 2.3.1's `tensorflow`,
#' `theano` and `cntk` beside Keras 3's, or the reverse), as installed in their own
#' environment. For each: whether its library is installed (read from package metadata,
#' without importing it), its version, whether it is the active one, whether this session
#' already loaded Keras on it (so a switch to it is instant), whether Keras can train
#' models on it, the Keras version, and the Python that has it (where it lives).
#'
#' On reticulate's managed Python ([python_kind()] is `"managed"`), `installed` says
#' whether the backend is in the environment now, and `requestable` whether a switch to it
#' requests it first (every Keras 3 backend: kswitch adds keras3's requirements for it with
#' `reticulate::py_require()`); elsewhere `requestable` is `FALSE` and
#' [install_backends()] installs what is missing.
#'
#' @returns A data frame with columns `backend`, `installed`, `version`, `active`,
#'   `loaded`, `trainable`, `keras`, `python` and `requestable`, and the attribute
#'   `python_kind`.
#' @family backends
#' @export
#' @examples
#' backends()
backends <- function() {
  other <- if (python_generation() == 2L) default_envname() else default_legacy_envname()
  table <- core_call("backends_table", other_installed(env_python(other)))
  out <- data.frame(
    backend = as_column(table$backend, ""),
    installed = as_column(table$installed, NA),
    version = as_column(table$version, ""),
    active = as_column(table$active, NA),
    loaded = as_column(table$loaded, NA),
    trainable = as_column(table$trainable, NA),
    keras = as_column(table$keras, ""),
    python = as_column(table$python, ""),
    stringsAsFactors = FALSE
  )
  kind <- python_kind()
  # The first rows are this session's Python's (managed Python has Keras 3).
  out$requestable <- kind == "managed" & out$python == out$python[1]
  attr(out, "python_kind") <- kind
  out
}

# What the other Keras generation's environment has, asked of its own Python (which imports
# no Keras to answer); only where it looked when it does not exist or cannot answer.
other_installed <- function(python) {
  if (!file.exists(python)) return(list(python = python))
  out <- run_python(python, c("-m", "kswitch.bind", "installed"), timeout = 120)
  if (out$status != 0) return(list(python = python))
  jsonlite::fromJSON(out$stdout, simplifyVector = FALSE)
}
