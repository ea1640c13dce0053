test_that("switching after Keras is imported reloads Keras; a model fits after each switch", {
  skip_without_backends("tensorflow", "jax", "torch", "numpy")
  local_test_home()
  on.exit(quietly(use_backend("tensorflow", persist = FALSE)), add = TRUE)
  for (name in c("tensorflow", "jax", "torch", "numpy", "jax", "tensorflow")) {
    quietly(use_backend(name, persist = FALSE))
    expect_equal(backend(), name)
    expect_equal(k_backend(), name)
    expect_equal(backend_in_session(), name)
    # A fresh import through reticulate sees the new backend too.
    expect_equal(reticulate::import("keras")$config$backend(), name)
    loss <- fit_small_model(train = name != "numpy")
    expect_true(is.finite(loss), label = paste("loss on", name))
  }
})

test_that("use_backend() returns the previous backend invisibly and says what it did", {
  skip_without_backends("tensorflow", "jax", "torch")
  local_test_home()
  quietly(use_backend("tensorflow", persist = FALSE))
  expect_invisible(quietly(previous <- use_backend("jax", persist = FALSE)))
  on.exit(quietly(use_backend("tensorflow", persist = FALSE)), add = TRUE)
  expect_equal(previous, "tensorflow")
  expect_message(use_backend("torch", persist = FALSE), "jax", class = "kswitch_message_switch")
  expect_message(use_backend("torch", persist = FALSE), "unchanged")
  expect_message(use_backend("jax"), "Saved to")
})

test_that("session settings survive switches", {
  skip_without_backends("tensorflow", "torch")
  local_test_home()
  quietly(use_backend("tensorflow", persist = FALSE))
  old <- list(k_set_epsilon(1e-4), k_set_floatx("float64"),
              k_set_image_data_format("channels_first"))
  on.exit({
    quietly(use_backend("tensorflow", persist = FALSE))
    k_set_epsilon(old[[1]]); k_set_floatx(old[[2]]); k_set_image_data_format(old[[3]])
  }, add = TRUE)
  for (name in c("jax", "torch", "tensorflow", "jax")) {
    quietly(use_backend(name, persist = FALSE))
    expect_equal(k_epsilon(), 1e-4)
    expect_equal(k_floatx(), "float64")
    expect_equal(k_image_data_format(), "channels_first")
  }
  # The same values as Keras itself holds, and what new tensors use (not on jax, which
  # needs jax_enable_x64 for float64).
  quietly(use_backend("torch", persist = FALSE))
  keras <- keras_module()
  expect_equal(keras$config$epsilon(), 1e-4)
  expect_equal(keras$backend$standardize_dtype(keras$ops$ones(list(2L))$dtype), "float64")
})

test_that("switching back reuses the same Keras module tree", {
  skip_without_backends("tensorflow", "jax")
  local_test_home()
  quietly(use_backend("tensorflow", persist = FALSE))
  tf_keras <- keras_module()
  quietly(use_backend("jax", persist = FALSE))
  jax_keras <- keras_module()
  expect_false(reticulate::py_id(jax_keras) == reticulate::py_id(tf_keras))
  quietly(use_backend("tensorflow", persist = FALSE))
  expect_equal(reticulate::py_id(keras_module()), reticulate::py_id(tf_keras))
  # A module taken before a switch stays on its own backend (documented).
  expect_equal(jax_keras$config$backend(), "jax")
})

test_that("models fit on every backend after 10 round-trip swaps", {
  skip_without_backends("tensorflow", "jax", "torch")
  local_test_home()
  on.exit(quietly(use_backend("tensorflow", persist = FALSE)), add = TRUE)
  for (i in 1:10) {
    for (name in c("tensorflow", "jax", "torch")) quietly(use_backend(name, persist = FALSE))
  }
  for (name in c("tensorflow", "jax", "torch")) {
    quietly(use_backend(name, persist = FALSE))
    expect_true(is.finite(fit_small_model()), label = paste("loss on", name))
  }
})

test_that("the predict-only backends (numpy, openvino) load, predict and switch back", {
  skip_without_backends("numpy", "openvino", "jax")
  local_test_home()
  # Importing openvino writes ~/intel (telemetry): give the child a home of its own, and name
  # the Python, since reticulate would look for its virtualenvs under that home.
  home <- tempfile("home-", tmpdir = test_root)
  dir.create(home)
  out <- in_fresh_r(function() {
    library(kswitch)
    predict_on <- function(name) {
      suppressMessages(use_backend(name, persist = FALSE))
      keras <- keras_module()
      model <- keras$Sequential(list(keras$Input(shape = list(3L)),
                                     keras$layers$Dense(2L, kernel_initializer = "ones")))
      out <- model$predict(matrix(1, 1, 3), verbose = 0L)
      c(keras$config$backend(), as.character(out))
    }
    list(numpy = predict_on("numpy"), openvino = predict_on("openvino"),
         jax = predict_on("jax"), back = predict_on("openvino"))
  }, env = c(HOME = home, RETICULATE_PYTHON = keras_config()$python))
  expect_equal(out$numpy, c("numpy", "3", "3"))
  expect_equal(out$openvino, c("openvino", "3", "3"))
  expect_equal(out$jax, c("jax", "3", "3"))
  expect_equal(out$back, c("openvino", "3", "3"))
})

test_that("backends() lists every backend with its state", {
  skip_without_backends("tensorflow", "jax")
  local_test_home()
  quietly(use_backend("jax", persist = FALSE))
  on.exit(quietly(use_backend("tensorflow", persist = FALSE)), add = TRUE)
  all <- backends()
  expect_equal(names(all), c("backend", "installed", "version", "active", "loaded",
                             "trainable", "keras", "python", "requestable"))
  expect_equal(attr(all, "python_kind"), python_kind())
  expect_false(any(all$requestable))  # kswitch's own environment: install_backends() installs
  # This session's Keras 3 first, then multi-backend Keras 2.3.1's (see test-legacy.R).
  expect_equal(all$backend, c("tensorflow", "jax", "torch", "numpy", "openvino",
                              "tensorflow", "theano", "cntk"))
  table <- all[1:5, ]
  expect_equal(table$python, rep(reticulate::py_config()$python, 5))
  expect_false(any(all$active[6:8] | all$loaded[6:8]))
  expect_equal(table$active, table$backend == "jax")
  expect_true(all(table$installed[1:4]))
  expect_equal(table$version[table$backend == "jax"],
               reticulate::import("importlib.metadata")$version("jax"))
  expect_equal(table$trainable, c(TRUE, TRUE, TRUE, FALSE, FALSE))
  expect_true(all(table$loaded[table$backend %in% c("tensorflow", "jax")]))
})

test_that("use_backend(backend, FALSE) says FALSE went to gpu, not persist", {
  skip_without_backends("jax")
  home <- local_test_home()
  withr::defer(quietly(use_backend(backend(), persist = FALSE)))
  before <- backend()
  expect_warning(quietly(use_backend("jax", FALSE)), class = "kswitch_warning_positional_gpu")
  expect_equal(read_config_file(home)$backend, "jax")  # it was saved, as the warning says
  expect_no_warning(quietly(use_backend(before, persist = FALSE)))
  expect_no_warning(quietly(use_backend(before, gpu = FALSE, persist = FALSE)))
})

test_that("a KERAS_BACKEND this Keras cannot load is a config error from backend()", {
  local_test_home()
  # keras3's config_set_backend("Torch") sets it, unchecked, before Keras loads.
  out <- in_fresh_r(function() {
    e <- tryCatch(kswitch::backend(), error = identity)
    list(class = class(e), message = conditionMessage(e))
  }, env = c(KERAS_BACKEND = "Torch"))
  expect_true("kswitch_error_config" %in% out$class)
  expect_match(out$message, "did you mean \"torch\"", fixed = TRUE)
})

test_that("keras_module() objects run on their own backend after a switch", {
  skip_without_backends("tensorflow", "jax")
  local_test_home()
  quietly(use_backend("tensorflow", persist = FALSE))
  x <- matrix(runif(6), 2)
  model <- with_backend("jax", small_model())
  outside <- model$predict(x, verbose = 0L)
  expect_equal(backend(), "tensorflow")
  expect_equal(backend_in_session(), "tensorflow")
  expect_equal(with_backend("jax", model$predict(x, verbose = 0L)), outside)
  sgd <- keras_module()$optimizers$SGD()  # made on tensorflow
  err <- expect_error(model$compile(optimizer = sgd, loss = "mse"), "made on \"tensorflow\"")
  if (utils::packageVersion("reticulate") >= "1.42") {  # 1.28 classes every error alike
    expect_s3_class(err, "kswitch_error_wrong_backend")
  }
  model$compile(optimizer = "sgd", loss = "mse")  # the model is whole
  model$fit(x, matrix(1:2), epochs = 1L, verbose = 0L)
  expect_equal(backend(), "tensorflow")
})
