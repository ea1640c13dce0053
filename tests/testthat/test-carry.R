# carry_model() (R/carry.R): a model moved to another backend of the running session.

# The session's state a failed carry must leave as it was.
carry_state <- function(home) {
  list(backend = backend(), in_keras = backend_in_session(),
       env = Sys.getenv("KERAS_BACKEND", NA), file = read_bytes(file.path(home, "keras.json")),
       temp = list.files(tempdir(), pattern = "^kswitch-carry-"))
}

test_that("a keras_module() model carries, says so, and leaves the session on `to`", {
  skip_without_backends("tensorflow", "jax", "torch")
  home <- local_test_home()
  write_config(home, '{"backend": "jax"}')
  before <- read_bytes(file.path(home, "keras.json"))
  local_backend("jax")
  model <- small_model()
  model$compile(optimizer = "sgd", loss = "mse")
  x <- matrix(runif(30), ncol = 3)
  model$fit(x, matrix(rowSums(x)), epochs = 2L, batch_size = 5L, verbose = 0L)
  expected <- model$predict(x, verbose = 0L)
  msg <- expect_message(carried <- carry_model(model, "tensorflow"),
                        class = "kswitch_message_carry")
  expect_s3_class(msg, "kswitch_message")
  expect_match(conditionMessage(msg), 'from "jax" to "tensorflow"', fixed = TRUE)
  expect_match(conditionMessage(msg), 'Keras backend: "jax" -> "tensorflow"', fixed = TRUE)
  expect_match(conditionMessage(msg), 'use_backend("jax", persist = FALSE)', fixed = TRUE)
  expect_equal(c(backend(), backend_in_session(), Sys.getenv("KERAS_BACKEND")),
               rep("tensorflow", 3))
  expect_equal(carried$predict(x, verbose = 0L), expected, tolerance = 1e-5)
  expect_equal(as.integer(carried$optimizer$iterations$numpy()), 4L)
  expect_identical(read_bytes(file.path(home, "keras.json")), before)  # never persisted
  expect_length(list.files(tempdir(), pattern = "^kswitch-carry-"), 0)
  quietly(use_backend("jax", persist = FALSE))
  expect_equal(model$predict(x, verbose = 0L), expected)  # the original, on its own backend
})

test_that("bad inputs: each its classed error, with nothing changed", {
  skip_without_backends("tensorflow", "jax", "torch")
  home <- local_test_home()
  write_config(home, '{"backend": "tensorflow", "mine": 1}')
  local_backend("tensorflow")
  model <- small_model()
  keras <- keras_module()
  unbuilt <- keras$Sequential(list(keras$layers$Dense(1L)))
  holder <- reticulate::py_run_string(paste(
    "import keras",
    "class Holder(keras.layers.Layer):",
    "    def __init__(self, thing, **kwargs):",
    "        super().__init__(**kwargs)",
    "        self.thing = thing",
    "    def call(self, x):",
    "        return x", sep = "\n"), local = TRUE)$Holder
  unsavable <- keras$Sequential(list(keras$Input(shape = list(2L)),
                                     holder(reticulate::py_eval("object()"), name = "holder")))
  before <- carry_state(home)
  cases <- list(
    list(model, "Torch", "kswitch_error_backend_unknown"),
    list(model, "theano", "kswitch_error_backend_elsewhere"),
    list(list(1), "jax", "kswitch_error_invalid_argument"),
    list(keras$layers$Dense(1L), "jax", "kswitch_error_invalid_argument"),
    list(unbuilt, "jax", "kswitch_error_model_not_built"),
    list(unsavable, "jax", "kswitch_error_not_serializable")
  )
  for (case in cases) {
    err <- expect_error(carry_model(case[[1]], case[[2]]), class = case[[3]])
    expect_s3_class(err, "kswitch_error")
    expect_identical(carry_state(home), before, label = case[[3]])
  }
  expect_match(conditionMessage(err), '"holder"', fixed = TRUE)
  expect_match(conditionMessage(err), "register_keras_serializable", fixed = TRUE)
  expect_match(conditionMessage(expect_error(carry_model(unbuilt, "jax"))), "input shape")
})

test_that("keras3: trained on jax, carried to tensorflow and torch, exported as a SavedModel", {
  skip_without_keras3()
  local_test_home()
  out <- in_fresh_r(function(export) {
    library(keras3); library(kswitch)
    suppressMessages(use_backend("jax", persist = FALSE))
    x <- matrix(runif(120), ncol = 6); y <- matrix(runif(40), ncol = 2)
    model <- keras_model_sequential(input_shape = 6) |> layer_dense(4, activation = "relu") |>
      layer_dense(2)
    model |> compile(optimizer = "adam", loss = "mse")
    model |> fit(x, y, epochs = 2, batch_size = 10, verbose = 0)
    expected <- predict(model, x, verbose = 0)
    report <- lapply(c(tensorflow = "tensorflow", torch = "torch"), function(to) {
      said <- NULL
      carried <- withCallingHandlers(carry_model(model, to), message = function(m) {
        said <<- class(m)[[1]]
        invokeRestart("muffleMessage")
      })
      diff <- max(abs(predict(carried, x, verbose = 0) - expected))
      if (to == "tensorflow") carried$export(export, format = "tf_saved_model", verbose = FALSE)
      steps <- as.numeric(carried$optimizer$iterations)
      carried |> fit(x, y, epochs = 1, batch_size = 10, verbose = 0)
      list(class = said, diff = diff, backend = config_backend(),
           steps = c(steps, as.numeric(carried$optimizer$iterations)))
    })
    tf <- reticulate::import("tensorflow")
    served <- tf$saved_model$load(export)
    report$served <- max(abs(as.array(served$serve(tf$constant(x, dtype = "float32"))) -
                               expected))
    suppressMessages(use_backend("jax", persist = FALSE))
    report$original <- max(abs(predict(model, x, verbose = 0) - expected))
    report
  }, args = list(export = file.path(test_root, "exported")))
  for (to in c("tensorflow", "torch")) {
    expect_equal(out[[to]]$class, "kswitch_message_carry")
    expect_equal(out[[to]]$backend, to)
    expect_lt(out[[to]]$diff, 1e-5)
    expect_equal(out[[to]]$steps, c(4, 6), label = to)  # optimizer state, and training goes on
  }
  expect_lt(out$served, 1e-5)  # TensorFlow itself serves the weights trained on jax
  expect_equal(out$original, 0)
})

test_that("keras3: a registered custom layer carries once it is registered on the target too", {
  skip_without_keras3()
  local_test_home()
  out <- in_fresh_r(function() {
    library(keras3); library(kswitch)
    suppressMessages(use_backend("jax", persist = FALSE))
    define <- function() {
      layer_scale <- Layer("Scale",
        initialize = function(factor = 2, ...) {
          super$initialize(...)
          self$factor <- factor
        },
        call = function(x) x * self$factor,
        get_config = function() {
          config <- super$get_config()
          config$factor <- self$factor
          config
        })
      register_keras_serializable(layer_scale, package = "mine")
      layer_scale
    }
    layer_scale <- define()
    x <- matrix(runif(24), ncol = 4)
    model <- keras_model_sequential(input_shape = 4) |> layer_dense(2) |> layer_scale(factor = 3)
    expected <- predict(model, x, verbose = 0)
    err <- tryCatch(carry_model(model, "torch"), error = identity)
    after_error <- kswitch::backend()
    suppressMessages(use_backend("torch", persist = FALSE))
    layer_scale <- define()
    carried <- suppressMessages(carry_model(model, "torch"))
    list(class = class(err), value = err$value, after_error = after_error,
         layer = class(carried$layers[[2]])[[1]],
         diff = max(abs(predict(carried, x, verbose = 0) - expected)))
  })
  expect_equal(out$class[1:2], c("kswitch_error_not_serializable", "kswitch_error_carry_failed"))
  expect_equal(out$value, "mine>Scale")
  expect_equal(out$after_error, "jax")
  expect_match(out$layer, "Scale$")
  expect_lt(out$diff, 1e-5)
})

test_that("Keras 2.3.1: theano to tensorflow; a Keras 3 name is a classed error", {
  skip_if_no_legacy()
  local_test_home()
  out <- in_legacy_r(function() {
    library(kswitch)
    suppressMessages(use_backend("theano", persist = FALSE))
    keras <- keras_module()
    model <- keras$Sequential(list(keras$layers$Dense(2L, input_shape = list(3L))))
    model$compile(optimizer = "adam", loss = "mse")
    x <- matrix(runif(30), ncol = 3)
    model$fit(x, cbind(rowSums(x), 1), epochs = 2L, batch_size = 5L, verbose = 0L)
    expected <- model$predict(x)
    elsewhere <- tryCatch(carry_model(model, "jax"), error = function(e) class(e)[[1]])
    carried <- suppressMessages(carry_model(model, "tensorflow"))
    list(elsewhere = elsewhere, backend = backend(),
         diff = max(abs(carried$predict(x) - expected)),
         steps = keras_module()$backend$get_value(carried$optimizer$iterations))
  })
  expect_equal(out$elsewhere, "kswitch_error_backend_elsewhere")
  expect_equal(out$backend, "tensorflow")
  expect_lt(out$diff, 1e-5)
  expect_equal(as.numeric(out$steps), 4)
})
