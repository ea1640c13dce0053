# k_symbolic() and k_eager() (R/graph.R): the backend's compiler on Keras 3, Keras's own
# decorators on Keras 2.3.1 (in a new R process: see helper-legacy.R).

test_that("k_symbolic() compiles on Keras 3: tf.function, jax.jit; an error elsewhere", {
  skip_without_backends("tensorflow", "jax", "torch")
  local_test_home()
  on.exit(quietly(use_backend("tensorflow", persist = FALSE)), add = TRUE)
  quietly(use_backend("tensorflow", persist = FALSE))
  keras <- keras_module()
  tf <- reticulate::import("tensorflow")
  seen <- NULL
  add_one <- function(x) {
    seen <<- tf$executing_eagerly()
    keras$ops$add(x, 1)
  }
  expect_equal(as.vector(keras$ops$convert_to_numpy(k_symbolic(add_one)(array(c(1, 2))))), c(2, 3))
  expect_false(seen)
  expect_equal(as.vector(keras$ops$convert_to_numpy(k_eager(add_one)(array(c(1, 2))))), c(2, 3))
  expect_true(seen)

  quietly(use_backend("jax", persist = FALSE))
  keras <- keras_module()
  traced <- NULL
  double <- function(x) {
    traced <<- any(grepl("Tracer", class(x)))
    keras$ops$multiply(x, 2)
  }
  expect_equal(as.vector(keras$ops$convert_to_numpy(k_symbolic(double)(array(c(1, 2))))), c(2, 4))
  expect_true(traced)
  expect_equal(as.vector(keras$ops$convert_to_numpy(k_eager(double)(array(c(1, 2))))), c(2, 4))
  expect_false(traced)

  quietly(use_backend("torch", persist = FALSE))
  err <- expect_error(k_symbolic(double), class = "kswitch_error_not_supported")
  expect_match(conditionMessage(err), "torch.compile", fixed = TRUE)
  expect_error(k_symbolic("f"), class = "kswitch_error_invalid_argument")
})

test_that("k_symbolic() and k_eager() on Keras 2.3.1 are Keras's own decorators", {
  skip_if_no_legacy()
  local_test_home()
  out <- in_legacy_r(function() {
    library(kswitch)
    lapply(c("theano", "tensorflow", "cntk"), function(name) {
      suppressMessages(use_backend(name, persist = FALSE))
      keras <- keras_module()
      total <- function(x) keras$backend$sum(x)
      x <- keras$backend$variable(matrix(1:6, 2))
      symbolic <- k_symbolic(total)(x)
      list(backend = name, value = as.vector(keras$backend$eval(symbolic)),
           tensor = keras$backend$is_tensor(symbolic),
           eager = as.vector(keras$backend$eval(k_eager(total)(x))))
    })
  })
  for (b in out) {
    expect_equal(b$value, 21, label = paste("k_symbolic on", b$backend))
    expect_equal(b$eager, 21)
    expect_true(b$tensor, label = paste("a graph tensor on", b$backend))
  }
})
