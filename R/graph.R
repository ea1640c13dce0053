#' Run a function as a compiled graph, or eagerly
#'
#' The tutorials' `Symbolic()` and `Eager()`. `k_symbolic(f)` returns `f` compiled to a
#' graph on the current backend; `k_eager(f)` returns `f` run eagerly (operation by
#' operation). `f` is an R function of tensors that uses Keras operations (e.g.
#' `keras$ops$add()`); the result is a function to call with arrays (`array()`, not plain
#' vectors, which arrive as lists) or tensors.
#'
#' * Keras 3: on `"tensorflow"`, `k_symbolic()` is `tf.function(f, autograph = FALSE)`
#'   (AutoGraph cannot convert R code; inside it,
#'   `tf$executing_eagerly()` is `FALSE`); on `"jax"`, `jax.jit(f)` (`f` sees tracers).
#'   `"torch"` has no equivalent kswitch can offer (`torch.compile` cannot trace a function
#'   written in R), nor have `"numpy"` and `"openvino"`: `k_symbolic()` is then a
#'   `kswitch_error_not_supported` error. Every Keras 3 backend runs eagerly by default, so
#'   `k_eager(f)` returns `f` as it is.
#' * Keras 2.3.1 (see [use_backend()]): the real `keras.backend.symbolic` and
#'   `keras.backend.eager` decorators. With TensorFlow 1.14, Theano and CNTK, Keras 2.3.1
#'   always builds graphs, and both decorators return `f` unchanged: operations return
#'   symbolic tensors, evaluated with `keras$backend$eval()`.
#'
#' The function is compiled for the backend that is current when `k_symbolic()` is called.
#'
#' @param f A function.
#' @returns A function (a Python callable).
#' @family session
#' @export
#' @examplesIf backend_available(backend())
#' keras <- keras_module()
#' add_one <- function(x) keras$ops$add(x, 1)
#' if (backend() %in% c("tensorflow", "jax")) {
#'   compiled <- k_symbolic(add_one)
#'   keras$ops$convert_to_numpy(compiled(array(c(1, 2, 3))))
#' }
#' k_eager(add_one)(array(c(1, 2, 3)))
k_symbolic <- function(f) {
  check_function(f)
  core_call("symbolic", f)
}

#' @rdname k_symbolic
#' @export
k_eager <- function(f) {
  check_function(f)
  core_call("eager", f)
}
