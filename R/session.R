#' Keras session settings: epsilon, float type and image data format
#'
#' Getters and setters for the settings Keras keeps for the running session, named as
#' in the R keras package. Setters validate their value, return the old value invisibly,
#' and with `persist = TRUE` also write it to `keras.json` for new sessions. These
#' functions import Keras if it is not imported yet. The settings survive
#' [use_backend()] switches.
#'
#' @param e Fuzz factor: a positive, finite number (Keras's default is `1e-07`).
#' @param floatx Default float type: `"float16"`, `"float32"`, `"float64"`, or (in the
#'   session only, Keras does not accept it in the file) `"bfloat16"`.
#' @param data_format `"channels_last"` or `"channels_first"`.
#' @param persist Also write the value to `keras.json`?
#' @returns Getters: the current value. Setters: the previous value, invisibly.
#' @family configuration
#' @name k_epsilon
#' @examplesIf backend_available(backend())
#' old <- k_set_epsilon(1e-5)
#' k_epsilon()
#' k_set_epsilon(old)
#' k_floatx()
#' k_image_data_format()
NULL

#' @rdname k_epsilon
#' @export
k_epsilon <- function() core_call("get_setting", "epsilon")

#' @rdname k_epsilon
#' @export
k_set_epsilon <- function(e, persist = FALSE) {
  check_number(e)
  check_flag(persist)
  invisible(core_call("set_epsilon", e, persist = persist))
}

#' @rdname k_epsilon
#' @export
k_floatx <- function() core_call("get_setting", "floatx")

#' @rdname k_epsilon
#' @export
k_set_floatx <- function(floatx, persist = FALSE) {
  check_string(floatx)
  check_flag(persist)
  invisible(core_call("set_floatx", floatx, persist = persist))
}

#' @rdname k_epsilon
#' @export
k_image_data_format <- function() core_call("get_setting", "image_data_format")

#' @rdname k_epsilon
#' @export
k_set_image_data_format <- function(data_format, persist = FALSE) {
  check_string(data_format)
  check_flag(persist)
  invisible(core_call("set_image_data_format", data_format, persist = persist))
}

#' Reset Keras's global state
#'
#' Calls `keras.backend.clear_session()` on the current backend: frees the global state
#' Keras keeps (layer name counters, graphs, cached functions). Settings such as
#' [k_epsilon()] are kept. Imports Keras if it is not imported yet.
#'
#' On multi-backend Keras 2.3.1 it also restarts the layer-name counters on every backend:
#' Theano has no `clear_session()` there (it keeps no global graph), and CNTK's only resets
#' the learning phase; TensorFlow 1.14's drops the default graph.
#'
#' @returns `NULL`, invisibly.
#' @family session
#' @export
#' @examplesIf backend_available(backend())
#' k_clear_session()
k_clear_session <- function() {
  invisible(core_call("clear_session"))
}

#' The shape of a tensor or array
#'
#' @param x A tensor of the current backend, a Keras symbolic tensor, or an R array or
#'   vector.
#' @returns The dimensions as an integer vector, `NA` where a dimension is unknown (the
#'   batch dimension of a symbolic input, for example).
#' @family session
#' @export
#' @examples
#' k_shape(matrix(0, 2, 3))
#' if (backend_available(backend())) {
#'   keras <- keras_module()
#'   k_shape(keras$Input(shape = list(20L)))
#' }
k_shape <- function(x) {
  if (!inherits(x, "python.builtin.object")) {
    if (!is.numeric(x) && !is.logical(x)) {
      abort_argument("x", x, "a tensor, or a numeric or logical R array", rlang::current_env())
    }
    return(as.integer(dim(x) %||% length(x)))  # R's own: no Python, no Keras, no NumPy
  }
  as_column(core_call("shape", x), NA_integer_)
}

#' The Keras module, on the current backend
#'
#' Returns Python's `keras` module for the current backend, importing it if needed (on
#' the backend [backend()] reports). Take it again after [use_backend()]: a module
#' object taken before a switch stays on the old backend. Switching back returns the
#' very same module object as before.
#'
#' @returns The `keras` Python module (a reticulate object).
#' @family session
#' @export
#' @examplesIf backend_available(backend())
#' keras <- keras_module()
#' keras$config$backend()
keras_module <- function() {
  core_call("keras_module")
}
