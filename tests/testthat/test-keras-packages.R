# keras3 and keras 2.x follow kswitch (R/keras-packages.R). Every test runs in a new R
# process: the R Keras packages are loaded there, never in this session.

# In a new R process: attach kswitch and keras3 in `order`, fit small keras3 models on each of
# `backends` and report what keras3 says after every switch.
keras3_round <- function(order, backends, extra = function() NULL) {
  in_fresh_r(function(order, backends, extra) {
    if (order == "keras3 first") {
      library(keras3); library(kswitch)
    } else {
      library(kswitch); suppressMessages(library(keras3))
    }
    keras_backend <- Sys.getenv("KERAS_BACKEND", NA)  # after keras3's .onLoad
    switch_to <- function(b) suppressMessages(kswitch::use_backend(b, persist = FALSE))
    x <- matrix(runif(40), 10)
    y <- matrix(runif(20), 10)
    fit_one <- function() {
      model <- keras_model_sequential(input_shape = 4) |> layer_dense(2)
      model |> compile(optimizer = "sgd", loss = "mse")
      history <- model |> fit(x, y, epochs = 1, verbose = 0)
      list(model = model, loss = tail(history$metrics$loss, 1))
    }
    first <- fit_one()
    before <- predict(first$model, x, verbose = 0)
    steps <- lapply(backends, function(b) {
      switch_to(b)
      sum <- op_add(1, 2)
      list(backend = b, config = config_backend(), kswitch = kswitch::backend(),
           keras_module = keras3::keras$config$backend(), op_class = class(sum)[[1]],
           as_array = as.array(sum), loss = fit_one()$loss)
    })
    switch_to(backends[[1]])
    list(steps = steps, keras_backend = keras_backend,
         same_prediction = isTRUE(all.equal(predict(first$model, x, verbose = 0), before)),
         extra = extra())
  }, args = list(order = order, backends = backends, extra = extra))
}

expected_op_class <- c(tensorflow = "tensorflow.tensor", jax = "jaxlib._jax.ArrayImpl",
                       torch = "torch.Tensor")

for (order in c("keras3 first", "kswitch first")) {
  test_that(sprintf("keras3 follows every switch (%s)", order), {
    skip_without_keras3()
    local_test_home()
    backends <- c("tensorflow", "jax", "torch", "tensorflow", "jax")
    out <- keras3_round(order, backends)
    for (step in out$steps) {
      expect_equal(c(step$config, step$kswitch, step$keras_module), rep(step$backend, 3),
                   label = step$backend)
      expect_equal(step$op_class, expected_op_class[[step$backend]], label = step$backend)
      expect_equal(as.numeric(step$as_array), 3, label = step$backend)  # keras3's S3 method
      expect_true(is.finite(step$loss), label = step$backend)
    }
    expect_true(out$same_prediction)  # a model made before the switches, back on its backend
    expect_true(is.na(out$keras_backend))  # keras3's default taken back: keras.json decides
  })
}

test_that("keras3 stays with the session through a scope, a failed switch and a comparison", {
  skip_without_keras3()
  local_test_home()
  out <- in_fresh_r(function(shadow) {
    library(keras3); library(kswitch)
    reticulate::import("sys", convert = FALSE)$path$insert(0L, shadow)
    suppressMessages(use_backend("tensorflow", persist = FALSE))
    model <- keras_model_sequential(input_shape = 3) |> layer_dense(1)
    in_scope <- with_backend("torch", c(config_backend(), class(op_ones(2))[[1]]))
    after_scope <- config_backend()
    failed <- tryCatch(use_backend("jax", persist = FALSE), error = function(e) class(e)[[1]])
    after_failure <- c(config_backend(), kswitch::backend())
    # A session comparison whose model is written with keras3 functions.
    task <- function(keras, seed, step) {
      model <- keras3::keras_model_sequential(input_shape = 1) |> keras3::layer_dense(1)
      keras3::compile(model, optimizer = "sgd", loss = "mse")
      step("fit", keras3::fit(model, matrix(1:4), matrix(1:4), verbose = 0))
      c(loss = 0, on_torch = keras3::config_backend() == "torch")
    }
    compared <- compare_backends(task, "torch", repeats = 1, isolate = "session",
                                 verbose = FALSE)
    list(in_scope = in_scope, after_scope = after_scope, failed = failed,
         after_failure = after_failure, compared_on_torch = compared$on_torch,
         after_compare = config_backend(),
         predicts = dim(predict(model, matrix(1:6, 2), verbose = 0)))
  }, args = list(shadow = shadow_library("jax")))
  expect_equal(out$in_scope, c("torch", "torch.Tensor"))
  expect_equal(out$after_scope, "tensorflow")
  expect_equal(out$failed, "kswitch_error_switch_failed")
  expect_equal(out$after_failure, c("tensorflow", "tensorflow"))
  expect_equal(out$compared_on_torch, 1)
  expect_equal(out$after_compare, "tensorflow")
  expect_equal(out$predicts, c(2L, 1L))
})

test_that("a scope that first imports Keras leaves keras3 to import it through kswitch", {
  skip_without_keras3()
  local_test_home()
  out <- in_fresh_r(function() {
    library(kswitch); suppressMessages(library(keras3))
    in_scope <- with_backend("jax", config_backend())
    imported <- keras_config()$keras_imported
    after <- config_backend()
    table <- backends()
    list(in_scope = in_scope, imported = imported, after = after,
         loaded = table$loaded[match(c("tensorflow", "jax"), table$backend)])  # this generation's
  })
  expect_equal(out$in_scope, "jax")
  expect_false(out$imported)  # as before the scope
  expect_equal(out$after, "tensorflow")  # the session's own backend, imported by kswitch
  expect_equal(out$loaded, c(TRUE, TRUE))  # and the scope's jax tree kept for a quick switch
})

test_that("after use_backend() saves a backend, keras3 code in a new session runs on it", {
  skip_without_keras3()
  home <- local_test_home()
  in_fresh_r(function() suppressMessages(kswitch::use_backend("jax")))
  for (order in c("keras3 first", "kswitch first")) {
    out <- in_fresh_r(function(order) {
      if (order == "keras3 first") {
        library(keras3); library(kswitch)
      } else {
        library(kswitch); suppressMessages(library(keras3))
      }
      model <- keras_model_sequential(input_shape = 2) |> layer_dense(1)
      c(config_backend(), class(op_ones(1))[[1]], kswitch::keras_config()$backend_source)
    }, args = list(order = order))
    expect_equal(out, c("jax", "jaxlib._jax.ArrayImpl", "keras.json"), label = order)
  }
  # Without kswitch, keras3 starts on its own default: what use_backend()'s message says.
  expect_equal(in_fresh_r(function() {
    library(keras3)
    config_backend()
  }), "tensorflow")
  msg <- in_fresh_r(function() {
    library(keras3); library(kswitch)
    tryCatch(use_backend("torch"), message = conditionMessage)
  })
  expect_match(msg, "keras3 too, when kswitch is loaded", fixed = TRUE)
  expect_equal(read_config_file(home)$backend, "torch")
})

test_that("a KERAS_BACKEND the user set stays, and is not keras3's default", {
  skip_without_keras3()
  home <- local_test_home()
  write_config(home, '{"backend": "jax"}')
  out <- in_fresh_r(function() {
    library(keras3); library(kswitch)
    c(Sys.getenv("KERAS_BACKEND"), config_backend(), keras_config()$backend_source)
  }, env = c(KERAS_BACKEND = "tensorflow"))
  expect_equal(out, c("tensorflow", "tensorflow", "KERAS_BACKEND"))
})

test_that("a keras3 whose .onLoad changed what kswitch reads: one classed warning each, and switches still work", { # nolint: line_length_linter.
  skip_without_keras3()
  local_test_home()
  out <- in_fresh_r(function() {
    library(keras3)
    # A future keras3: .onLoad has run (KERAS_BACKEND set to its default), but its body no
    # longer holds the load hook or the default in the form kswitch reads.
    ns <- asNamespace("keras3")
    unlockBinding(".onLoad", ns)
    assign(".onLoad", function(libname, pkgname) invisible(), envir = ns)
    warnings <- list()
    keep <- function(w) {
      warnings[[length(warnings) + 1]] <<- list(class = class(w), message = conditionMessage(w))
      invokeRestart("muffleWarning")
    }
    withCallingHandlers({
      library(kswitch)
      start <- config_backend()
      model <- keras_model_sequential(input_shape = 2) |> layer_dense(1)
      steps <- lapply(c("jax", "torch", "jax"), function(b) {
        suppressMessages(kswitch::use_backend(b, persist = FALSE))
        list(config_backend(), dim(predict(model, matrix(1:4, 2), verbose = 0)),
             class(op_add(1, 2))[[1]])
      })
    }, warning = keep)
    list(start = start, steps = steps, warnings = warnings)
  })
  classes <- lapply(out$warnings, `[[`, "class")
  messages <- vapply(out$warnings, `[[`, "", "message")
  changed <- vapply(classes, function(cl) "kswitch_warning_keras3_changed" %in% cl, NA)
  expect_equal(sum(changed), 2)  # the default, the hook: once each, not per switch
  expect_true(any(grepl("KERAS_BACKEND", messages[changed], fixed = TRUE)))
  expect_true(any(grepl("load hook", messages[changed], fixed = TRUE)))
  expect_match(messages[changed], as.character(packageVersion("keras3")), fixed = TRUE)
  expect_equal(out$start, "tensorflow")
  expect_equal(vapply(out$steps, `[[`, "", 1), c("jax", "torch", "jax"))
  for (step in out$steps) expect_equal(step[[2]], c(2L, 1L))  # the model, on its backend
  expect_equal(out$steps[[2]][[3]], "torch.Tensor")
})

# The tutorials' model, written with R keras functions.
keras2_tutorial_round <- function(backends, first = NULL) {
  in_legacy_r(function(backends, first) {
    library(keras); library(kswitch)
    if (!is.null(first)) use_backend(first, persist = FALSE)
    data <- tutorial_data(2019)
    lapply(backends, function(b) {
      if (!is.null(b)) suppressMessages(use_backend(b, persist = FALSE))
      model <- keras_model_sequential() %>%
        layer_dense(units = 64, activation = "relu", input_shape = 20) %>%
        layer_dropout(rate = 0.5) %>%
        layer_dense(units = 64, activation = "relu") %>%
        layer_dropout(rate = 0.5) %>%
        layer_dense(units = 1, activation = "sigmoid")
      model %>% compile(loss = "binary_crossentropy", optimizer = "rmsprop",
                        metrics = "accuracy")
      history <- model %>% fit(data$x_train, data$y_train, epochs = 2, batch_size = 128,
                               verbose = 0)
      c(keras::k_backend(), backend()$backend(), kswitch::backend(),
        tail(history$metrics$loss, 1))
    })
  }, args = list(backends = backends, first = first))
}

test_that("R keras 2.x trains the tutorial's model on theano, cntk and tensorflow in one session", {
  skip_without_keras2()
  local_test_home()
  out <- keras2_tutorial_round(list("theano", "cntk", "tensorflow", "theano"))
  for (step in out) {
    expect_equal(step[2:3], rep(step[[1]], 2))
    expect_true(is.finite(as.numeric(step[[4]])))
  }
  expect_equal(vapply(out, `[[`, "", 1), c("theano", "cntk", "tensorflow", "theano"))
})

test_that("R keras 2.x follows a hand-edited keras.json in a new session", {
  skip_without_keras2()
  home <- local_test_home()
  write_config(home, '{"backend": "theano", "floatx": "float32", "epsilon": 1e-07}')
  out <- keras2_tutorial_round(list(NULL))
  expect_equal(out[[1]][1:3], rep("theano", 3))
})

# The shared-names table of ?`keras-packages`, row by row, with keras 2.x attached first.
test_that("with keras attached first, the shared names keep keras's contracts", {
  skip_without_keras2()
  local_test_home()
  out <- in_legacy_r(function() {
    library(keras)
    startup <- character()
    withCallingHandlers(library(kswitch), packageStartupMessage = function(m) {
      startup <<- c(startup, conditionMessage(m))
      invokeRestart("muffleMessage")
    })
    old <- use_backend("theano", persist = FALSE)  # keras's call, kswitch's function
    where <- function(name) environmentName(environment(get(name, mode = "function")))
    input <- layer_input(shape = 3)
    list(
      startup = startup,
      where = vapply(c("use_backend", "backend", "k_shape", "k_backend", "k_epsilon",
                       "k_set_epsilon", "k_floatx", "k_clear_session"), where, ""),
      backend_module = class(backend())[[1]], backend_name = backend()$backend(),
      k_shape = class(k_shape(input))[[1]], k_backend = k_backend(),
      getters = list(k_epsilon(), k_floatx(), k_image_data_format()),
      set = list(k_set_epsilon(1e-4), k_epsilon(), k_set_floatx("float64"), k_floatx(),
                 k_set_image_data_format("channels_first"), k_image_data_format()),
      keras_sees = list(keras::k_epsilon(), keras::k_floatx(), keras::k_image_data_format()),
      cleared = is.null(k_clear_session()),
      ours = c(kswitch::backend(), paste(kswitch::k_shape(input), collapse = " "))
    )
  })
  expect_match(out$startup, "kswitch leaves keras's backend() and k_shape() to keras",
               fixed = TRUE, all = FALSE)
  expect_equal(unname(out$where[c("use_backend", "k_backend", "k_epsilon", "k_set_epsilon",
                                  "k_floatx", "k_clear_session")]), rep("kswitch", 6))
  expect_equal(unname(out$where[c("backend", "k_shape")]), c("keras", "keras"))
  expect_match(out$backend_module, "module")  # keras's backend(): the backend module
  expect_equal(out$backend_name, "theano")
  expect_match(out$k_shape, "theano|tensor")  # keras's k_shape(): a tensor
  expect_equal(out$k_backend, "theano")
  expect_equal(out$getters, list(1e-7, "float32", "channels_last"))
  expect_equal(out$set, list(1e-7, 1e-4, "float32", "float64", "channels_last",
                             "channels_first"))
  expect_equal(out$keras_sees, list(1e-4, "float64", "channels_first"))
  expect_true(out$cleared)
  expect_equal(out$ours, c("theano", "NA 3"))
})

test_that("keras3's use_backend(backend, gpu) call works on kswitch's, and a masking is told once", { # nolint: line_length_linter.
  skip_without_keras3()
  home <- local_test_home()
  out <- in_fresh_r(function() {
    library(keras3); library(kswitch)
    quiet <- function(code) suppressMessages(code)
    quiet(use_backend("jax", FALSE))  # keras3's positional gpu = FALSE
    gpu <- tryCatch(use_backend("torch", gpu = TRUE, persist = FALSE),
                    error = function(e) c(class(e)[[1]], e$argument))
    detach("package:keras3")
    told <- character()
    withCallingHandlers({
      library(keras3)
      detach("package:keras3")
      library(keras3)
    }, kswitch_message_masked = function(m) {
      told <<- c(told, conditionMessage(m))
      invokeRestart("muffleMessage")
    })
    list(backend = config_backend(), gpu = gpu, after_gpu = config_backend(), told = told)
  })
  expect_equal(out$backend, "jax")
  # kswitch installs torch's CPU wheel, which never sees a GPU.
  expect_equal(out$gpu, c("kswitch_error_not_supported", "gpu"))
  expect_length(out$told, 1)
  expect_match(out$told, "keras3::use_backend() now masks kswitch::use_backend()", fixed = TRUE)
  expect_equal(read_config_file(home)$backend, "jax")  # persist = TRUE, kswitch's default
})

test_that("keras3 objects keep their own backend across switches and scopes", {
  skip_without_keras3()
  local_test_home()
  out <- in_fresh_r(function() {
    library(keras3); library(kswitch)
    quiet_switch <- function(b) suppressMessages(use_backend(b, persist = FALSE))
    quiet_switch("tensorflow")
    x <- matrix(runif(8), 2)
    y <- matrix(runif(2), 2)
    m <- with_backend("jax", keras_model_sequential(input_shape = 4) |> layer_dense(1))
    outside <- predict(m, x, verbose = 0)  # the issue's script: a jax model, session on tf
    on_tf <- config_backend()
    inside <- with_backend("jax", predict(m, x, verbose = 0))
    compile(m, optimizer = "sgd", loss = "mse")
    fit(m, x, y, epochs = 1, verbose = 0)
    quiet_switch("torch")
    loss <- evaluate(m, x, y, verbose = 0)
    set_weights(m, get_weights(m))
    files <- c(tempfile(fileext = ".keras"), tempfile(fileext = ".weights.h5"))
    save_model(m, files[1])
    save_model_weights(m, files[2])
    saved <- file.exists(files)
    unlink(files)
    metric <- metric_mean_absolute_error()  # on torch
    quiet_switch("jax")
    m2 <- keras_model_sequential(input_shape = 4) |> layer_dense(1)
    mixed <- tryCatch(compile(m2, optimizer = "sgd", loss = "mse", metrics = list(metric)),
                      error = function(e) class(e))
    compile(m2, optimizer = "sgd", loss = "mse")  # m2 is whole
    fit(m2, x, y, epochs = 1, verbose = 0)
    quiet_switch("tensorflow")
    list(same = isTRUE(all.equal(outside, inside)), on_tf = on_tf, loss = loss,
         saved = saved, mixed = mixed, after = config_backend(),
         still = dim(predict(m, x, verbose = 0)))
  })
  expect_true(out$same)
  expect_equal(out$on_tf, "tensorflow")
  expect_true(is.finite(unlist(out$loss)[[1]]))
  expect_equal(out$saved, c(TRUE, TRUE))
  expect_true("kswitch_error_wrong_backend" %in% out$mixed)
  expect_true("kswitch_error" %in% out$mixed)
  expect_equal(out$after, "tensorflow")
  expect_equal(out$still, c(2L, 1L))
})

test_that("every keras3 entry point runs a model on its own backend, each backend both ways", {
  skip_without_keras3()
  local_test_home()
  out <- in_fresh_r(function() {
    library(keras3); library(kswitch)
    quiet_switch <- function(b) suppressMessages(use_backend(b, persist = FALSE))
    builtins <- reticulate::import_builtins()
    shape_of <- function(t) as.integer(unlist(builtins$list(builtins$tuple(t$shape))))
    x <- matrix(runif(32), 8)
    y <- matrix(runif(8), 8)
    pairs <- list(c("jax", "tensorflow"), c("tensorflow", "torch"), c("torch", "jax"))
    lapply(pairs, function(pair) {
      quiet_switch(pair[[1]])
      m <- keras_model_sequential(input_shape = 4) |> layer_dense(2) |> layer_dense(1)
      compile(m, optimizer = "sgd", loss = "mse")
      fit(m, x, y, epochs = 1, verbose = 0)
      before <- predict(m, x, verbose = 0)
      quiet_switch(pair[[2]])
      files <- tempfile(c("model", "weights", "saved"), fileext = c(".keras", ".weights.h5",
                                                                     ".keras"))
      on.exit(unlink(files))
      set_weights(m, get_weights(m))
      save_model(m, files[1])
      save_model_weights(m, files[2])
      load_model_weights(m, files[2])
      m$save(files[3])
      ran <- list(
        weights = length(get_weights(m)) == 4,
        saved = all(file.exists(files)),  # save_model(), save_model_weights(), $save()
        predict = isTRUE(all.equal(predict(m, x, verbose = 0), before)),
        fit = length(fit(m, x, y, epochs = 1, verbose = 0)$metrics$loss) == 1,
        evaluate = is.finite(unlist(evaluate(m, x, y, verbose = 0))[[1]]),
        train_on_batch = is.finite(unlist(train_on_batch(m, x, y))[[1]]),
        test_on_batch = is.finite(unlist(test_on_batch(m, x, y))[[1]]),
        predict_on_batch = identical(dim(predict_on_batch(m, x)), c(8L, 1L)),
        call_model = identical(shape_of(m(x)), c(8L, 1L)),
        call_layer = identical(shape_of(m$layers[[1]](x)), c(8L, 2L)),
        summary = any(grepl("dense", utils::capture.output(summary(m)))))
      session <- config_backend()
      quiet_switch(pair[[1]])  # and the model is whole on its own backend
      fit(m, x, y, epochs = 1, verbose = 0)
      list(ran = ran, session = session, whole = all(is.finite(predict(m, x, verbose = 0))))
    })
  })
  for (i in seq_along(out)) {
    ran <- unlist(out[[i]]$ran)
    expect_equal(names(ran)[!ran], character(), label = paste("entry points failing, pair", i))
    expect_true(out[[i]]$whole)
  }
  expect_equal(vapply(out, `[[`, "", "session"), c("tensorflow", "torch", "jax"))
})
