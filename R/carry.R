#' Carry a model to another backend in this session
#'
#' `carry_model()` returns `model` on backend `to`, in the running session: its
#' architecture, weights, compile state and optimizer state (e.g. `optimizer$iterations`),
#' as far as Keras's own file format carries them, registered custom objects included. Train
#' on one backend, then predict, keep training or export on another, without a new R
#' process.
#'
#' The model is saved by the Keras that built it, in Keras's format (a `.keras` file; HDF5
#' for multi-backend Keras 2.3.1; nothing is pickled), into a temporary directory under
#' [tempdir()] that is removed afterwards, and loaded by `to`'s Keras.
#'
#' @section Effect on the session:
#' Like `use_backend(to, persist = FALSE)`, a carry leaves the session on `to` and says so
#' (a message of class `kswitch_message_carry`); `keras.json` is not written. The original
#' model is not changed: it belongs to the backend it was made on and works again after
#' switching back to it (`use_backend(<its backend>, persist = FALSE)`). keras3's and
#' keras's functions follow the session as after any switch.
#'
#' A carry is a transaction: if anything fails, the session is back on its backend, with its
#' settings and `KERAS_BACKEND`, and the error says why:
#' * `model` is not a Keras model of this session (a layer, an R value, ...):
#'   `kswitch_error_invalid_argument`; a model not built yet (no input shape):
#'   `kswitch_error_model_not_built`.
#' * `to` is unknown (`kswitch_error_backend_unknown`), not installed
#'   (`kswitch_error_backend_unavailable`), or of the other Keras generation
#'   (`kswitch_error_backend_elsewhere`: `"theano"` in a Keras 3 session, `"jax"` in a Keras
#'   2.3.1 one; one R session binds one Python, so no model crosses that line).
#' * A custom layer (or loss, metric, ...) Keras cannot save, or that `to`'s Keras has not
#'   registered: `kswitch_error_not_serializable`, naming it. Each backend's Keras has its own
#'   classes and registry, so a custom class must be defined and registered on `to` too: switch
#'   there, run its definition with `register_keras_serializable()` again, and carry.
#' * Loading failed for another reason: `kswitch_error_carry_failed` (the parent class of
#'   `kswitch_error_not_serializable`), with Keras's message.
#'
#' `jit_compile` as resolved on the source backend by default (`"auto"`: `TRUE` on jax)
#' becomes the target's default (`FALSE` on torch, where `TRUE` would mean `torch.compile`);
#' a value you chose differently is kept.
#'
#' @param model A built Keras model of this session: made with keras3 (e.g.
#'   `keras3::keras_model_sequential(input_shape = 4)`), keras 2.x, or [keras_module()]. It
#'   may belong to any backend this session has used.
#' @param to Name of the backend to carry it to: one of this session's Keras generation (see
#'   [backends()]).
#' @returns The model on `to`: a new Python object (a keras3 model when keras3 is loaded).
#' @family backends
#' @seealso [use_backend()]; Keras's [model saving
#'   guide](https://keras.io/guides/serialization_and_saving/), whose format this uses.
#' @export
#' @examplesIf backend_available("jax") && backend_available("tensorflow")
#' old <- use_backend("jax", persist = FALSE)
#' keras <- keras_module()
#' model <- keras$Sequential(list(keras$Input(shape = list(3L)), keras$layers$Dense(1L)))
#' model$compile(optimizer = "adam", loss = "mse")
#' x <- matrix(runif(60), ncol = 3)
#' history <- model$fit(x, matrix(rowSums(x)), epochs = 2L, verbose = 0L)
#'
#' on_tf <- carry_model(model, "tensorflow")
#' backend()
#' all.equal(on_tf$predict(x, verbose = 0L), with_backend("jax", model$predict(x, verbose = 0L)),
#'           tolerance = 1e-5)
#' on_tf$optimizer$iterations$numpy()  # the optimizer's state came along
#' use_backend(old, persist = FALSE)
carry_model <- function(model, to) {
  if (!inherits(model, "python.builtin.object")) {
    abort_argument("model", model, "a Keras model (a Python object, e.g. from keras3)",
                   call = rlang::current_env())
  }
  check_string(to)
  undo <- request_backend(to, argument = "to",
                          retry = sprintf("call `carry_model(model, %s)`", quoted(to)))
  result <- withCallingHandlers(core_call("carry_model", model, to, tmpdir = tempdir()),
                                error = function(e) undo_request(undo))
  inform_carry(result)
  result$model
}

inform_carry <- function(result) {
  loaded <- if (isTRUE(result$first_import)) sprintf(" (Keras loaded on %s)",
                                                     quoted(result$backend)) else ""
  bullets <- c(v = sprintf("Carried model %s from %s to %s in %.1f s%s.", quoted(result$name),
                           quoted(result$source), quoted(result$backend), result$seconds, loaded))
  session <- if (identical(result$previous, result$backend)) {
    sprintf("Keras backend: %s (unchanged).", quoted(result$backend))
  } else {
    sprintf("Keras backend: %s -> %s (keras.json unchanged).", quoted(result$previous),
            quoted(result$backend))
  }
  if (!identical(result$source, result$backend)) {
    session <- paste(session, sprintf(
      "The original model works again after `use_backend(%s, persist = FALSE)`.",
      quoted(result$source)))
  }
  inform_kswitch(c(bullets, i = session), class = "kswitch_message_carry")
}
