test_that("a failed switch is rolled back: same backend, still trains, file unchanged", {
  skip_without_backends("tensorflow", "jax", "torch")
  home <- local_test_home()
  path <- write_config(home, '{"backend": "tensorflow", "custom": 1}')
  before <- read_bytes(path)
  out <- in_fresh_r(function(shadow) {
    library(kswitch)
    backend()  # kswitch binds its Python (reticulate >= 1.4x finds none on its own here)
    reticulate::import("sys", convert = FALSE)$path$insert(0L, shadow)
    suppressMessages(use_backend("torch", persist = FALSE))  # a parked tree to keep
    suppressMessages(use_backend("tensorflow", persist = FALSE))
    keras <- keras_module()
    k_set_epsilon(1e-3)
    modules <- function() {
      reticulate::py_eval(
        "sorted(m for m in __import__('sys').modules if m.startswith('keras'))")
    }
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
  skip_without_backends("tensorflow", "jax", "torch")
  local_test_home()
  out <- in_fresh_r(function(shadow) {
    library(kswitch)
    backend()  # kswitch binds its Python (reticulate >= 1.4x finds none on its own here)
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

# A write of keras.json that fails after every check passed (a full disk), injected into the
# core; the session, KERAS_BACKEND, its provenance and the file must stay as they were.
fail_writes <- function() {
  reticulate::py_run_string(paste(
    "import errno", "from kswitch import config",
    "def _disk_full(*args, **kwargs):",
    "    raise OSError(errno.ENOSPC, 'No space left on device')",
    "config.update_config = _disk_full", sep = "\n"))
}
session_state <- function() {
  info <- keras_config()
  list(backend = backend(), env = info$keras_backend_env, source = info$backend_source,
       imported = info$keras_imported, session = info$session)
}

test_that("a failed write of a persisting call leaves the session as it was (parked tree)", {
  skip_without_backends("tensorflow", "jax")
  home <- local_test_home()
  path <- write_config(home, '{"backend": "tensorflow", "custom": 1}')
  before <- read_bytes(path)
  out <- in_fresh_r(function(fail_writes, session_state) {
    library(kswitch)
    with_backend("jax", keras_module())  # Keras first imported in the scope: jax is parked
    fail_writes()
    state <- session_state()
    err <- tryCatch(use_backend("jax"), error = identity)
    list(class = class(err), path = err$path, message = conditionMessage(err),
         same = identical(session_state(), state), state = session_state())
  }, args = list(fail_writes = fail_writes, session_state = session_state))
  expect_equal(out$class[1:2], c("kswitch_error_config", "kswitch_error"))
  expect_equal(out$path, path)
  expect_match(out$message, "No space left on device")
  expect_true(out$same)
  expect_equal(out$state$backend, "tensorflow")
  expect_false(out$state$imported)
  expect_identical(read_bytes(path), before)
})

test_that("a failed write keeps an outside KERAS_BACKEND and a loaded session as they were", {
  skip_without_backends("tensorflow", "jax", "torch")
  home <- local_test_home()
  path <- write_config(home, '{"backend": "jax"}')
  before <- read_bytes(path)
  out <- in_fresh_r(function(fail_writes, session_state) {
    library(kswitch)
    keras <- keras_module()
    fail_writes()
    state <- session_state()
    errors <- list(
      tryCatch(use_backend("jax"), error = identity),
      tryCatch(use_backend("torch"), error = identity),  # a first import, undone too
      tryCatch(k_set_epsilon(1e-3, persist = TRUE), error = identity),
      tryCatch(k_set_floatx("float64", persist = TRUE), error = identity)
    )
    list(classes = lapply(errors, function(e) class(e)[1]),
         same = identical(session_state(), state), state = session_state(),
         same_module = reticulate::py_id(keras_module()) == reticulate::py_id(keras))
  }, args = list(fail_writes = fail_writes, session_state = session_state),
  env = c(KERAS_BACKEND = "tensorflow"))
  expect_equal(unique(unlist(out$classes)), "kswitch_error_config")
  expect_true(out$same)
  expect_equal(out$state[c("backend", "env", "source")],
               list(backend = "tensorflow", env = "tensorflow", source = "KERAS_BACKEND"))
  expect_equal(out$state$session$epsilon, 1e-7)
  expect_true(out$same_module)
  expect_identical(read_bytes(path), before)
})
