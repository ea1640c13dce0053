# Multi-backend Keras 2.3.1 (TensorFlow 1.14, Theano, CNTK), run in fresh R processes by the
# helpers in helper-legacy.R.
# This file alone (test_local(filter = "legacy")) must still bind this session to Keras 3.
backend()

test_that("use_backend() first in a new session binds Keras 2.3.1; the tutorial's model fits", {
  skip_if_no_legacy()
  local_test_home()
  out <- in_legacy_r(function() {
    library(kswitch)
    runs <- list()
    for (name in c("theano", "tensorflow", "cntk", "theano")) {
      suppressMessages(use_backend(name, persist = FALSE))
      runs[[length(runs) + 1]] <- c(kswitch:::tutorial_run(epochs = 2L),
                                    session = keras_module()$backend$backend())
    }
    list(runs = runs, python = reticulate::py_config()$python)
  })
  expect_equal(out$python, legacy_python)
  for (run in out$runs) {
    expect_equal(run$session, run$backend)
    expect_equal(run$keras, "2.3.1")
    expect_true(is.finite(run$loss) && run$loss > 0, label = paste("loss on", run$backend))
    expect_true(run$accuracy >= 0 && run$accuracy <= 1)
    # Keras's own metric agrees with the predictions, except on CNTK (one batch late).
    if (run$backend != "cntk") expect_equal(run$keras_accuracy, run$accuracy, tolerance = 1e-6)
  }
  expect_equal(vapply(out$runs, `[[`, "", "backend"), c("theano", "tensorflow", "cntk", "theano"))
})

test_that("config functions work on each Keras 2.3.1 backend and survive switches", {
  skip_if_no_legacy()
  local_test_home()
  out <- in_legacy_r(function() {
    library(kswitch)
    suppressMessages(use_backend("tensorflow", persist = FALSE))  # a Keras 3 name: binds Keras 3
    first <- keras_config()$keras_version
    list(first = first)
  })
  expect_match(out$first, "^3\\.")
  out <- in_legacy_r(function() {
    library(kswitch)
    suppressMessages(use_backend("cntk", persist = FALSE))
    k_set_epsilon(1e-4)
    k_set_floatx("float64")
    k_set_image_data_format("channels_first")
    per_backend <- lapply(c("cntk", "theano", "tensorflow"), function(name) {
      suppressMessages(use_backend(name, persist = FALSE))
      keras <- keras_module()
      first <- keras$layers$Dense(1L)$name
      k_clear_session()
      list(backend = backend(), k_backend = k_backend(), epsilon = k_epsilon(),
           floatx = k_floatx(), format = k_image_data_format(),
           keras_epsilon = keras$backend$epsilon(),
           shape = k_shape(keras$layers$Input(shape = list(20L))),
           array_shape = k_shape(matrix(0, 2, 3)),
           names_restart = identical(keras$layers$Dense(1L)$name, first),
           config = keras_config()[c("backend", "keras_version", "session")])
    })
    table <- backends()
    list(per_backend = per_backend, table = table,
         persisted = tryCatch(k_set_epsilon(1e-3, persist = TRUE), error = conditionMessage))
  })
  for (b in out$per_backend) {
    expect_equal(b$backend, b$k_backend)
    expect_equal(c(b$epsilon, b$keras_epsilon), c(1e-4, 1e-4))
    expect_equal(b$floatx, "float64")
    expect_equal(b$format, "channels_first")
    expect_identical(b$shape, c(NA, 20L))
    expect_identical(b$array_shape, c(2L, 3L))
    expect_true(b$names_restart, label = paste("k_clear_session() on", b$backend))
    expect_equal(b$config$backend, b$backend)
    expect_equal(b$config$keras_version, "2.3.1")
    expect_equal(b$config$session$epsilon, 1e-4)
  }
  expect_equal(vapply(out$per_backend, `[[`, "", "backend"), c("cntk", "theano", "tensorflow"))
  table <- out$table
  expect_equal(table$backend[1:3], c("tensorflow", "theano", "cntk"))
  expect_equal(table$keras[1:3], rep("2.3.1", 3))
  expect_true(all(table$installed[1:3]))
  expect_equal(table$version[1:2], c("1.14.0", "1.0.4"))
  expect_equal(table$python[1:3], rep(legacy_python, 3))
  expect_true(all(table$loaded[1:3]))
  expect_equal(table$active, table$backend == "tensorflow" & table$keras == "2.3.1")
  expect_true(all(c("jax", "torch") %in% table$backend[table$keras != "2.3.1"]))
  expect_equal(read_config_file(Sys.getenv("KERAS_HOME"))$epsilon, 1e-3)
})

test_that("a hand-edited keras.json saying theano: library(kswitch) and Keras run on Theano", {
  skip_if_no_legacy()
  home <- local_test_home()
  write_config(home, paste('{"image_data_format": "channels_last", "epsilon": 1e-07,',
                           '"floatx": "float32", "backend": "theano"}'))
  out <- in_legacy_r(function() {
    library(kswitch)
    list(backend = backend(), source = keras_config()$backend_source,
         keras = keras_module()$backend$backend(), version = keras_module()$`__version__`,
         loss = kswitch:::tutorial_run(epochs = 1L)$loss)
  })
  expect_equal(out[c("backend", "source", "keras", "version")],
               list(backend = "theano", source = "keras.json", keras = "theano",
                    version = "2.3.1"))
  expect_true(is.finite(out$loss))
  # KERAS_BACKEND set outside R decides too, as Keras's precedence says.
  out <- in_legacy_r(function() {
    library(kswitch)
    keras_module()$backend$backend()
  }, env = c(KERAS_BACKEND = "cntk"))
  expect_equal(out, "cntk")
})

test_that("in a Keras 3 session theano is a classed error saying how to get it", {
  skip_without_backends("tensorflow")
  home <- local_test_home()
  err <- expect_error(use_backend("theano"), class = "kswitch_error_backend_elsewhere")
  expect_s3_class(err, "kswitch_error_backend_unavailable")
  message <- conditionMessage(err)
  expect_match(message, "new R session", fixed = TRUE)
  expect_match(message, 'use_backend("theano")', fixed = TRUE)
  expect_match(message, "callr")
  expect_equal(err$argument, "backend")
  expect_false(file.exists(file.path(home, "keras.json")))
  expect_equal(backend_in_session(), backend())
  expect_error(use_backend("cntk", persist = FALSE), class = "kswitch_error_backend_elsewhere")
})

test_that("a keras.json saying theano in a Keras 3 session: clear error, nothing breaks", {
  skip_without_backends("jax")
  home <- local_test_home()
  path <- write_config(home, '{"backend": "theano", "epsilon": 1e-05}')
  before <- read_bytes(path)
  out <- in_fresh_r(function() {
    library(kswitch)
    err <- tryCatch(keras_module(), error = identity)
    list(backend = backend(), source = keras_config()$backend_source,
         file_error = keras_config()$file_error, class = class(err),
         message = conditionMessage(err),
         keras3 = {
           suppressMessages(use_backend("jax", persist = FALSE))
           k_epsilon()
         },
         imported = keras_module()$config$backend())
  }, env = c(RETICULATE_PYTHON = reticulate::py_config()$python))
  expect_equal(out$backend, "theano")
  expect_equal(out$source, "keras.json")
  expect_null(out$file_error)
  expect_equal(out$class[1:2], c("kswitch_error_backend_elsewhere",
                                 "kswitch_error_backend_unavailable"))
  expect_match(out$message, path, fixed = TRUE)
  expect_match(out$message, "new R session")
  expect_equal(out$keras3, 1e-5)  # the file's other settings still apply
  expect_equal(out$imported, "jax")
  expect_identical(read_bytes(path), before)
})

test_that("persisting theano or cntk warns that Keras 3 programs would break", {
  skip_if_no_legacy()
  home <- local_test_home()
  out <- in_legacy_r(function() {
    library(kswitch)
    suppressMessages(use_backend("theano", persist = FALSE))
    w <- tryCatch(suppressMessages(use_backend("cntk")), warning = identity)
    quiet <- tryCatch({
      suppressMessages(use_backend("theano", persist = FALSE))
      "none"
    }, warning = conditionMessage)
    tf <- tryCatch({
      suppressMessages(use_backend("tensorflow"))
      "none"
    }, warning = conditionMessage)
    list(class = class(w), message = conditionMessage(w), path = w$path, quiet = quiet,
         tf = tf)
  }, env = c(KERAS_BACKEND = "theano"))
  expect_equal(out$class[1], "kswitch_warning_legacy_backend_persisted")
  expect_match(out$message, "Unable to import backend : cntk", fixed = TRUE)
  expect_match(out$message, "persist = FALSE", fixed = TRUE)
  expect_match(out$message, "KERAS_HOME")
  expect_equal(out$path, file.path(home, "keras.json"))
  expect_equal(out$quiet, "none")
  expect_equal(out$tf, "none")
  expect_equal(read_config_file(home)$backend, "tensorflow")
})

test_that("compare_backends() holds Keras 3 and Keras 2.3.1 backends in one table", {
  skip_if_no_legacy()
  home <- local_test_home()
  path <- write_config(home, '{"backend": "jax", "mine": 1}')
  before <- read_bytes(path)
  was <- backend()
  result <- compare_backends(tutorial_task(epochs = 2), c("jax", "keras2-tensorflow", "cntk"),
                             repeats = 1, verbose = FALSE)
  runs <- as.data.frame(result)
  expect_equal(runs$backend, c("jax", "keras2-tensorflow", "cntk"))
  expect_equal(runs$keras_version[2:3], c("2.3.1", "2.3.1"))
  expect_equal(runs$backend_version[2], "1.14.0")
  expect_true(all(is.na(runs$error)), label = paste(runs$error, collapse = "; "))
  expect_true(all(runs$loss > 0 & runs$fit_seconds > 0))
  # Computed from predictions: on CNTK, Keras's own metric would be one batch late.
  expect_true(all(runs$accuracy > 0 & runs$accuracy < 1))
  expect_identical(read_bytes(path), before)
  expect_equal(backend(), was)

  err <- expect_error(compare_backends(backends = c("jax", "theano"), isolate = "session"),
                      class = "kswitch_error_backend_elsewhere")
  expect_match(conditionMessage(err), 'isolate = "process"', fixed = TRUE)
})
