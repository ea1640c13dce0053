# A real import failure: a package named like the backend library, first on sys.path,
# that raises on import (as a broken install does).
shadow_library <- function(name, .local_envir = parent.frame()) {
  dir <- tempfile("shadow-", tmpdir = test_root)
  dir.create(file.path(dir, name), recursive = TRUE)
  writeLines(sprintf('raise ImportError("simulated broken %s install")', name),
             file.path(dir, name, "__init__.py"))
  dir
}

test_that("a failed switch is rolled back: same backend, still trains, file unchanged", {
  home <- local_test_home()
  path <- write_config(home, '{"backend": "tensorflow", "custom": 1}')
  before <- read_bytes(path)
  out <- in_fresh_r(function(shadow) {
    library(kswitch)
    reticulate::import("sys", convert = FALSE)$path$insert(0L, shadow)
    suppressMessages(use_backend("torch", persist = FALSE))  # a parked tree to keep
    suppressMessages(use_backend("tensorflow", persist = FALSE))
    keras <- keras_module()
    k_set_epsilon(1e-3)
    modules <- function() reticulate::py_eval(
      "sorted(m for m in __import__('sys').modules if m.startswith('keras'))")
    keras_before <- modules()
    err <- tryCatch(use_backend("jax"), error = identity)
    list(class = class(err), message = conditionMessage(err), argument = err$argument,
         backend = backend(), keras_backend = keras_module()$config$backend(),
         same_module = reticulate::py_id(keras_module()) == reticulate::py_id(keras),
         same_modules = identical(modules(), keras_before), epsilon = k_epsilon(),
         env = Sys.getenv("KERAS_BACKEND"),
         loss = {
           model <- keras$Sequential(list(keras$Input(shape = list(3L)), keras$layers$Dense(1L)))
           model$compile(optimizer = "sgd", loss = "mse")
           model$fit(matrix(runif(30), 10), matrix(runif(10), 10), epochs = 1L, verbose = 0L)
           model$evaluate(matrix(runif(30), 10), matrix(runif(10), 10), verbose = 0L)
         },
         second = tryCatch(use_backend("jax", persist = FALSE), error = function(e) class(e)),
         parked = {
           suppressMessages(use_backend("torch", persist = FALSE))
           c(keras_module()$config$backend(), k_epsilon())
         })
  }, args = list(shadow = shadow_library("jax")))
  expect_equal(out$class[1:2], c("kswitch_error_switch_failed", "kswitch_error"))
  expect_match(out$message, "still on \"tensorflow\"")
  expect_match(out$message, "simulated broken jax install")
  expect_match(out$message, "install_backends(\"jax\")", fixed = TRUE)
  expect_equal(out$argument, "backend")
  expect_equal(out$backend, "tensorflow")
  expect_equal(out$keras_backend, "tensorflow")
  expect_true(out$same_module)
  expect_true(out$same_modules)
  expect_equal(out$epsilon, 1e-3)
  expect_true(is.finite(out$loss))
  expect_equal(out$second[[1]], "kswitch_error_switch_failed")  # and again, cleanly
  expect_equal(out$parked, c("torch", "0.001"))  # the parked torch tree is still there
  expect_identical(read_bytes(path), before)
})

test_that("a failed first import leaves no half-imported Keras behind", {
  local_test_home()
  out <- in_fresh_r(function(shadow) {
    library(kswitch)
    reticulate::import("sys", convert = FALSE)$path$insert(0L, shadow)
    suppressMessages(use_backend("torch", persist = FALSE))
    err <- tryCatch(keras_module(), error = identity)
    left <- reticulate::py_eval(
      "[m for m in __import__('sys').modules if m.startswith('keras')]")
    suppressMessages(use_backend("tensorflow", persist = FALSE))
    list(class = class(err), message = conditionMessage(err), left = left,
         recovered = keras_module()$config$backend())
  }, args = list(shadow = shadow_library("torch")))
  expect_equal(out$class[1], "kswitch_error_keras_unavailable")
  expect_match(out$message, "torch")
  expect_length(out$left, 0)
  expect_equal(out$recovered, "tensorflow")
})
