# compare_backends(): most tests use a tiny model in this session; two spawn R processes.

# A small regression model whose evaluation says what it saw: the backend, the seed and
# the data it was given, the process it ran in and the session's epsilon.
tiny_model <- function(keras, seed, step) {
  x <- withr::with_seed(seed, matrix(stats::runif(32 * 3), ncol = 3))
  y <- x %*% c(1, -2, 0.5)
  model <- keras$Sequential(list(keras$Input(shape = list(3L)), keras$layers$Dense(1L)))
  model$compile(optimizer = "sgd", loss = "mse", metrics = list("mae"))
  step("fit", model$fit(x, y, epochs = 2L, batch_size = 16L, verbose = 0L))
  score <- step("evaluate", model$evaluate(x, y, verbose = 0L, return_dict = TRUE))
  c(score, seed_seen = seed, first_x = x[[1]], pid = Sys.getpid(),
    epsilon = keras$config$epsilon(),
    on = keras$config$backend())
}

# What compare_backends() must leave as it was.
observed_state <- function(home) {
  list(backend = backend(), source = keras_config()$backend_source,
       keras = backend_in_session(), epsilon = k_epsilon(), floatx = k_floatx(),
       file = read_bytes(file.path(home, "keras.json")))
}

test_that("tutorial_data() makes the tutorial's data from a seed, leaving the caller's RNG alone", {
  set.seed(1)
  before <- .Random.seed
  data <- tutorial_data(2019)
  expect_identical(.Random.seed, before)
  expect_equal(lapply(data, dim),
               list(x_train = c(1000L, 20L), y_train = c(1000L, 1L), x_test = c(100L, 20L),
                    y_test = c(100L, 1L)))
  expect_true(all(data$x_train >= 0 & data$x_train < 1))
  expect_setequal(unique(c(data$y_train, data$y_test)), 0:1)
  expect_identical(tutorial_data(2019), data)
  expect_false(identical(tutorial_data(2020)$x_train, data$x_train))
  # The same numbers whatever generator the caller chose.
  withr::with_rng_version("3.5.0", expect_identical(tutorial_data(2019), data))
  expect_error(tutorial_data(1.5), class = "kswitch_error_invalid_argument")
})

test_that("tutorial_task() is the tutorial's model: layers, optimizer, loss, epochs, batches", {
  skip_without_backends("tensorflow", "jax")
  local_test_home()
  quietly(use_backend("jax", persist = FALSE))
  on.exit(quietly(use_backend("tensorflow", persist = FALSE)), add = TRUE)
  seen <- new.env()
  step <- function(name, expr) {
    value <- expr
    seen[[name]] <- value
    seen$model <- get("model", parent.frame())
    value
  }
  score <- tutorial_task()(keras_module(), seed = 2019, step = step)
  model <- seen$model
  layers <- vapply(model$layers, function(l) class(l)[[1]], "")
  expect_equal(sub(".*\\.", "", layers), c("Dense", "Dropout", "Dense", "Dropout", "Dense"))
  expect_equal(unlist(model$input_shape), 20L)
  expect_equal(vapply(model$layers[c(1, 3, 5)], function(l) l$units, 0L), c(64L, 64L, 1L))
  expect_equal(vapply(model$layers[c(2, 4)], function(l) l$rate, 0), c(0.5, 0.5))
  expect_equal(vapply(model$layers[c(1, 3, 5)], function(l) l$activation$`__name__`, ""),
               c("relu", "relu", "sigmoid"))
  expect_equal(model$count_params(), (20 * 64 + 64) + (64 * 64 + 64) + (64 + 1))
  expect_match(class(model$optimizer)[[1]], "RMSprop")
  expect_equal(model$loss, "binary_crossentropy")
  expect_equal(seen$fit$params$epochs, 20L)
  expect_equal(seen$fit$params$steps, 8L)  # 1000 rows in batches of 128
  expect_named(score, c("loss", "accuracy"))
  accuracy <- unname(score[["accuracy"]])
  expect_equal(accuracy * 100, round(accuracy * 100), tolerance = 1e-5)  # of 100 test rows
})

test_that("the default task runs for real: one row per run with times, versions and metrics", {
  skip_without_backends("torch")
  home <- local_test_home()
  result <- compare_backends(backends = "torch", repeats = 1, isolate = "session",
                             verbose = FALSE)
  expect_s3_class(result, c("kswitch_comparison", "data.frame"))
  expect_equal(nrow(result), 1)
  expect_named(result, c("backend", "run", "seed", "backend_version", "keras_version",
                         "import_seconds", "fit_seconds", "evaluate_seconds", "loss",
                         "accuracy", "error"))
  expect_equal(result$error, NA_character_)
  expect_equal(result$backend_version, backends()$version[backends()$backend == "torch"])
  expect_match(result$keras_version, "^3\\.")
  expect_true(result$fit_seconds > 0 && result$evaluate_seconds > 0 &&
                result$import_seconds >= 0)
  # Random labels: the loss is near log(2) and the accuracy a share of 100 test rows.
  expect_true(result$loss > 0.6 && result$loss < 0.8)
  expect_true(result$accuracy >= 0 && result$accuracy <= 1)
  expect_equal(result$accuracy * 100, round(result$accuracy * 100), tolerance = 1e-5)
  expect_false(file.exists(file.path(home, "keras.json")))
})

test_that("a user's model function: its metrics become columns, each run has its own seed", {
  skip_without_backends("jax", "torch")
  local_test_home()
  result <- compare_backends(tiny_model, backends = c("jax", "torch"), repeats = 2,
                             isolate = "session", seed = 7, verbose = FALSE)
  expect_equal(result$backend, c("jax", "jax", "torch", "torch"))
  expect_equal(result$run, c(1L, 2L, 1L, 2L))
  expect_equal(result$seed, c(7, 8, 7, 8))
  expect_equal(result$seed_seen, result$seed)
  # A label (a string) is a column of its own, shown as it is.
  expect_equal(result$on, c("jax", "jax", "torch", "torch"))
  expect_equal(summary(result)$on, c("jax", "torch"))
  printed <- capture.output(print(result))
  expect_match(printed, " jax 2/2$", all = FALSE)
  expect_match(printed, " torch 2/2$", all = FALSE)
  # Every backend sees the same data in its i-th run.
  expect_equal(result$first_x[1:2], result$first_x[3:4])
  expect_false(result$first_x[[1]] == result$first_x[[2]])
  expect_true(all(is.na(result$error)))
  expect_true(all(result$fit_seconds > 0 & result$evaluate_seconds > 0))
  expect_true(all(result$mae > 0 & is.finite(result$loss)))
  expect_true(all(is.na(result$accuracy)))  # the model has no accuracy metric
  s <- summary(result)
  expect_equal(s$backend, c("jax", "torch"))
  expect_equal(s$fit_seconds, c(median(result$fit_seconds[1:2]),
                                median(result$fit_seconds[3:4])))
  expect_equal(s$fit_min, c(min(result$fit_seconds[1:2]), min(result$fit_seconds[3:4])))
  expect_equal(s$fit_max, c(max(result$fit_seconds[1:2]), max(result$fit_seconds[3:4])))
  expect_equal(s$mae, c(median(result$mae[1:2]), median(result$mae[3:4])))
  out <- capture.output(print(result))
  expect_match(out[[1]], "2 runs per backend, in this R session")
  expect_true(any(grepl("^ +jax ", out)) && any(grepl("^ +torch ", out)))
  expect_match(out[[2]], " loss +mae ")
  expect_false(any(grepl("accuracy", out)))  # no run returned one
})

test_that("a failing backend gets a row saying why, and the others still run", {
  skip_without_backends("jax", "torch", "numpy")
  local_test_home()
  stop_on_torch <- function(keras, seed, step) {
    if (keras$config$backend() == "torch") stop("this model refuses torch")
    tiny_model(keras, seed, step)
  }
  lines <- character()
  result <- withCallingHandlers(
    compare_backends(stop_on_torch, backends = c("numpy", "torch", "jax"), repeats = 1,
                     isolate = "session"),
    message = function(m) {
      lines <<- c(lines, conditionMessage(m))
      invokeRestart("muffleMessage")
    })
  expect_equal(result$backend, c("numpy", "torch", "jax"))
  expect_match(result$error[[1]], "fit not implemented for NumPy backend")
  expect_match(result$error[[2]], "this model refuses torch")
  expect_equal(result$error[[3]], NA_character_)
  expect_true(is.finite(result$loss[[3]]))
  expect_true(all(is.na(result$loss[1:2])))
  # One progress line per backend, saying what failed.
  expect_length(lines, 3)
  expect_match(lines[[1]], "numpy.*fit not implemented")
  expect_match(lines[[3]], "jax.*fit .* s")
  expect_match(summary(result)$error[[2]], "refuses torch")
  expect_match(paste(capture.output(print(result)), collapse = "\n"),
               "torch failed: .*refuses torch")

  bad_return <- function(keras, seed, step) "fine"
  bad_step <- function(keras, seed, step) c(loss = step("train", 1))
  expect_match(compare_backends(bad_return, "jax", 1, "session", verbose = FALSE)$error,
               "must return its evaluation as named numbers.*character \"fine\"")
  clashing <- function(keras, seed, step) c(loss = 1, seed = seed)
  expect_match(compare_backends(clashing, "jax", 1, "session", verbose = FALSE)$error,
               "named numbers.*, named seed")
  two_labels <- function(keras, seed, step) list(loss = 1, on = c("a", "b"))
  expect_match(compare_backends(two_labels, "jax", 1, "session", verbose = FALSE)$error,
               "named numbers \\(or labels\\).*a list of length 2")
  expect_match(compare_backends(bad_step, "jax", 1, "session", verbose = FALSE)$error,
               "`name` must be one of \"fit\", \"evaluate\"")
})

test_that("session isolation leaves the backend, settings and keras.json as they were", {
  skip_without_backends("tensorflow", "jax", "torch")
  home <- local_test_home()
  write_config(home, '{"backend": "jax", "epsilon": 1e-04, "nnx_enabled": false}')
  quietly(use_backend("tensorflow", persist = FALSE))
  old <- k_set_epsilon(1e-5)
  on.exit(k_set_epsilon(old), add = TRUE)
  before <- observed_state(home)
  meddling <- function(keras, seed, step) {
    keras$config$set_epsilon(0.01)
    tiny_model(keras, seed, step)
  }
  result <- compare_backends(meddling, backends = c("jax", "torch"), repeats = 1,
                             isolate = "session", verbose = FALSE)
  expect_true(all(is.na(result$error)))
  expect_equal(result$epsilon, c(0.01, 0.01))
  expect_equal(observed_state(home), before)

  # An error outside the runs and an interrupt during one: put back all the same.
  interrupting <- function(keras, seed, step) {
    keras$config$set_epsilon(0.01)
    if (keras$config$backend() == "torch") rlang::interrupt()
    c(loss = 1)
  }
  outcome <- tryCatch(
    compare_backends(interrupting, backends = c("jax", "torch"), repeats = 1,
                     isolate = "session", verbose = FALSE),
    interrupt = function(e) "interrupted")
  expect_equal(outcome, "interrupted")
  expect_equal(observed_state(home), before)
  expect_equal(keras_config_path(), file.path(home, "keras.json"))
})

test_that("process isolation runs each run in a new R process; the session is untouched", {
  skip_without_backends("tensorflow", "jax", "torch")
  home <- local_test_home()
  write_config(home, '{"backend": "tensorflow", "epsilon": 1e-04}')
  quietly(use_backend("torch", persist = FALSE))
  before <- c(observed_state(home), loaded = list(backends()$loaded))
  result <- compare_backends(tiny_model, backends = "jax", repeats = 1, isolate = "process",
                             verbose = FALSE)
  expect_equal(result$error, NA_character_)
  expect_equal(result$on, "jax")
  expect_false(result$pid == Sys.getpid())
  expect_equal(result$epsilon, 1e-4)  # the child read the caller's keras.json
  expect_true(result$import_seconds > 0 && result$fit_seconds > 0)
  expect_equal(c(observed_state(home), loaded = list(backends()$loaded)), before)

  # No keras.json: the child's Keras import (which writes one) must not create it; a child
  # that dies gives a row saying so.
  unlink(file.path(home, "keras.json"))
  dying <- function(keras, seed, step) quit(save = "no", status = 3)
  result <- compare_backends(dying, backends = "jax", repeats = 1, isolate = "process",
                             verbose = FALSE)
  expect_match(result$error, "The R process running it failed")
  expect_false(file.exists(file.path(home, "keras.json")))
  expect_equal(backend(), "torch")
})

test_that("plot() draws fit time and accuracy per backend into a file", {
  skip_without_backends("jax", "numpy")
  local_test_home()
  classify <- function(keras, seed, step) {
    x <- withr::with_seed(seed, matrix(stats::runif(40), ncol = 2))
    y <- matrix(as.integer(x[, 1] > x[, 2]))
    model <- keras$Sequential(list(keras$Input(shape = list(2L)),
                                   keras$layers$Dense(1L, activation = "sigmoid")))
    model$compile(optimizer = "sgd", loss = "binary_crossentropy", metrics = list("accuracy"))
    step("fit", model$fit(x, y, epochs = 1L, verbose = 0L))
    unlist(step("evaluate", model$evaluate(x, y, verbose = 0L, return_dict = TRUE)))
  }
  result <- compare_backends(classify, backends = c("jax", "numpy"), repeats = 2,
                             isolate = "session", verbose = FALSE)
  expect_true(all(is.finite(result$accuracy[1:2])))
  file <- withr::local_tempfile(tmpdir = test_root, fileext = ".png")
  grDevices::png(file, width = 800, height = 400)
  mfrow <- graphics::par("mfrow")
  expect_invisible(plot(result))
  expect_equal(graphics::par("mfrow"), mfrow)
  grDevices::dev.off()
  expect_gt(file.size(file), 1000)
  expect_equal(readBin(file, "raw", 4), as.raw(c(0x89, 0x50, 0x4e, 0x47)))  # PNG
})

test_that("both Keras generations: print() says which Keras ran each, plot() names all", {
  run <- function(backend, version, keras, fit) {
    list(backend = backend, run = 1L, seed = 1, backend_version = version,
         keras_version = keras, import_seconds = 1, fit_seconds = fit, evaluate_seconds = 0.1,
         metrics = list(loss = 0.69, accuracy = 0.5), error = NA_character_)
  }
  both <- kswitch:::new_comparison(list(
    run("jax", "0.7.1", "3.15.1", 0.9), run("keras2-tensorflow", "1.14.0", "2.3.1", 0.5),
    run("theano", "1.0.4", "2.3.1", 30)), "process")
  out <- withr::with_options(list(width = 100), capture.output(print(both)))
  expect_match(out[[1]], "1 run per backend, each in a new R process>$")
  expect_match(out[[2]], "^ +backend +version +keras +fit s ")
  expect_match(out[[4]], "^ keras2-tensorflow +1.14.0 +2.3.1 +0.500 ")
  one <- kswitch:::new_comparison(list(run("jax", "0.7.1", "3.15.1", 0.9)), "session")
  out <- capture.output(print(one))
  expect_match(out[[1]], "in this R session; Keras 3.15.1>$")
  expect_false(grepl("keras", out[[2]]))
  # Names broken after the hyphen, Keras versions under the groups, a log scale for theano.
  file <- withr::local_tempfile(tmpdir = test_root, fileext = ".png")
  grDevices::png(file, width = 1200, height = 480)
  expect_invisible(plot(both))
  grDevices::dev.off()
  expect_gt(file.size(file), 1000)
})

test_that("bad arguments are classed errors naming the argument; nothing runs", {
  home <- local_test_home()
  write_config(home, '{"backend": "jax"}')
  before <- read_bytes(file.path(home, "keras.json"))
  expect_error(compare_backends(model = "tutorial"), class = "kswitch_error_invalid_argument")
  err <- expect_error(compare_backends(tiny_model, backends = "Torch"),
                      class = "kswitch_error_backend_unknown")
  expect_equal(err$argument, "backends")
  expect_match(conditionMessage(err), "Did you mean \"torch\"")
  err <- expect_error(compare_backends(tiny_model, "jax", repeats = 0),
                      class = "kswitch_error_invalid_argument")
  expect_equal(err$argument, "repeats")
  err <- expect_error(compare_backends(tiny_model, "jax", isolate = "thread"),
                      class = "kswitch_error_invalid_argument")
  expect_match(conditionMessage(err), "`isolate` must be one of \"process\", \"session\"")
  expect_error(compare_backends(tiny_model, "jax", seed = 1.5),
               class = "kswitch_error_invalid_argument")
  expect_error(compare_backends(tiny_model, "jax", verbose = NA),
               class = "kswitch_error_invalid_argument")
  expect_error(compare_backends(tiny_model, "jax", 1, "session", 7), class = "rlib_error_dots")
  expect_error(tutorial_task(epochs = 0), class = "kswitch_error_invalid_argument")
  expect_identical(read_bytes(file.path(home, "keras.json")), before)
})

test_that("Ctrl-C during a session comparison leaves the session on its backend", {
  skip_without_backends("tensorflow", "jax")
  home <- local_test_home()
  write_config(home, '{"backend": "tensorflow", "floatx": "float32"}')
  before <- read_bytes(file.path(home, "keras.json"))
  started <- tempfile("started-", tmpdir = test_root)
  vars <- c(callr::rcmd_safe_env(), KERAS_HOME = home,
            TORCHINDUCTOR_CACHE_DIR = Sys.getenv("TORCHINDUCTOR_CACHE_DIR"),
            TF_CPP_MIN_LOG_LEVEL = "2", PYTHONDONTWRITEBYTECODE = "1", KERAS_BACKEND = "")
  child <- callr::r_bg(function(started) {
    library(kswitch)
    suppressMessages(use_backend("jax", persist = FALSE))
    keras_module()
    # Python itself says it started, right before its sleep: Ctrl-C comes while Python runs.
    nap <- reticulate::py_run_string(paste0(
      "def nap(started):\n    import time\n    open(started, 'w').close()\n    time.sleep(120)"),
      local = TRUE)$nap
    sleepy <- function(keras, seed, step) {
      step("fit", nap(started))
      c(loss = 1)
    }
    outcome <- tryCatch(compare_backends(sleepy, "numpy", 1, "session", verbose = FALSE),
                        interrupt = function(e) "interrupted")
    list(outcome = outcome, backend = backend(), keras = keras_module()$config$backend(),
         source = keras_config()$backend_source)
  }, args = list(started = started), libpath = .libPaths(), env = vars)
  on.exit(child$kill(), add = TRUE)
  deadline <- Sys.time() + 120
  while (!file.exists(started) && child$is_alive() && Sys.time() < deadline) Sys.sleep(0.2)
  expect_true(file.exists(started))
  Sys.sleep(0.2)
  child$interrupt()  # SIGINT, as Ctrl-C sends
  child$wait(120000)
  expect_false(child$is_alive())  # the interrupt reached it; get_result() would only say so
  expect_equal(child$get_result(),
               list(outcome = "interrupted", backend = "jax", keras = "jax", source = "kswitch"))
  expect_identical(read_bytes(file.path(home, "keras.json")), before)
})
