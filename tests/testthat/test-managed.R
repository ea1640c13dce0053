# kswitch on reticulate's managed Python, the default of keras3 users with no env of their
# own: every switch requests the backend first (keras3's requirement strings), and a failed
# request changes nothing.

small_fit <- function() {
  model <- keras3::keras_model_sequential(input_shape = 4) |> keras3::layer_dense(1)
  keras3::compile(model, loss = "mse", optimizer = "sgd")
  history <- keras3::fit(model, matrix(runif(40), 10), runif(10), epochs = 1, verbose = 0)
  history$metrics$loss[[1]]
}

test_that("keras3 on managed Python: jax, torch, jax, a fit on each; next session on the saved one", { # nolint: line_length_linter.
  root <- skip_without_managed()
  home <- local_test_home()
  out <- in_managed_r(root, function(fit) {
    library(keras3)
    library(kswitch)
    kind_before <- python_kind()
    suppressMessages(use_backend("jax"))  # persisted: before Python starts
    loss_jax <- fit()
    on_jax <- keras3::config_backend()
    ephemeral <- reticulate::py_config()$ephemeral
    suppressMessages(use_backend("torch", persist = FALSE))  # after: a new layer
    loss_torch <- fit()
    on_torch <- keras3::config_backend()
    suppressMessages(use_backend("jax", persist = FALSE))
    list(kind_before = kind_before, kind = python_kind(), ephemeral = ephemeral,
         on_jax = on_jax, on_torch = on_torch, back = keras3::config_backend(),
         losses = c(loss_jax, loss_torch), required = reticulate::py_require()$packages,
         table = backends(), config_kind = keras_config()$python_kind)
  }, args = list(fit = small_fit))
  expect_equal(out$kind_before, "managed")
  expect_equal(out$kind, "managed")
  expect_true(out$ephemeral)
  expect_equal(out$config_kind, "managed")
  expect_equal(attr(out$table, "python_kind"), "managed")
  keras3_rows <- out$table[out$table$python == out$table$python[1], ]
  expect_true(all(keras3_rows$requestable))
  expect_true(all(keras3_rows$installed[keras3_rows$backend %in% c("jax", "torch")]))
  expect_equal(c(out$on_jax, out$on_torch, out$back), c("jax", "torch", "jax"))
  expect_true(all(is.finite(out$losses)))
  expect_true(all(c("jax[cpu]", "torch") %in% out$required))
  expect_equal(read_config_file(home)$backend, "jax")

  # A new session: keras.json says jax; nothing asks for it but the start-up request.
  next_session <- in_managed_r(root, function(fit) {
    library(kswitch)
    library(keras3)
    loss <- fit()
    list(backend = keras3::config_backend(), loss = loss,
         required = reticulate::py_require()$packages)
  }, args = list(fit = small_fit))
  expect_equal(next_session$backend, "jax")
  expect_true(is.finite(next_session$loss))
  expect_true("jax[cpu]" %in% next_session$required)
})

test_that("after Keras loaded, a scope and carry_model() request their backend first", {
  root <- skip_without_managed()
  local_test_home()
  out <- in_managed_r(root, function(fit) {
    library(keras3)
    library(kswitch)
    loss_tf <- fit()  # Keras loads on tensorflow, keras3's default
    model <- keras3::keras_model_sequential(input_shape = 3) |> keras3::layer_dense(1)
    in_scope <- with_backend("jax", list(keras3::config_backend(), fit()))
    after_scope <- keras3::config_backend()
    carried <- suppressMessages(carry_model(model, "jax"))
    list(loss_tf = loss_tf, in_scope = in_scope, after = after_scope,
         carried_out = dim(as.array(carried(matrix(1, 2, 3)))),
         required = reticulate::py_require()$packages)
  }, args = list(fit = small_fit))
  expect_true(is.finite(out$loss_tf))
  expect_equal(out$in_scope[[1]], "jax")
  expect_true(is.finite(out$in_scope[[2]]))
  expect_equal(out$after, "tensorflow")
  expect_equal(out$carried_out, c(2L, 1L))
  expect_true("jax[cpu]" %in% out$required)
})

test_that("a failing request is a classed error naming the requirement, with nothing changed", {
  root <- skip_without_managed()
  home <- local_test_home()
  path <- write_config(home, '{"backend": "tensorflow", "floatx": "float32"}')
  before <- read_bytes(path)
  out <- in_managed_r(root, function() {
    library(kswitch)
    library(keras3)
    keras3::config_backend()  # Python starts; Keras loads on tensorflow
    # No index uv can reach, and nothing in its cache for openvino: the request fails.
    Sys.setenv(UV_OFFLINE = "1")  # uv runs as R's child: it sees R's environment
    err <- tryCatch(kswitch::use_backend("openvino"), error = identity)
    list(classes = class(err), message = conditionMessage(err),
         backend = kswitch::backend(), keras = keras3::config_backend(),
         env = Sys.getenv("KERAS_BACKEND"), required = reticulate::py_require()$packages)
  })
  expect_true("kswitch_error_backend_unavailable" %in% out$classes)
  expect_match(out$message, "openvino", fixed = TRUE)
  expect_match(out$message, "py_require", fixed = TRUE)
  # uv's own reason, not reticulate's "remove or replace conflicting requirements".
  expect_match(out$message, "uv said: .*network was disabled")
  expect_match(out$message, 'then call `use_backend("openvino")` again', fixed = TRUE)
  expect_equal(out$backend, "tensorflow")
  expect_equal(out$keras, "tensorflow")
  expect_false("openvino" %in% out$required)
  expect_identical(read_bytes(path), before)
})

test_that("a KERAS_BACKEND set by keras3::use_backend() is honoured, without an override warning", {
  skip_without_keras3()
  home <- local_test_home()
  out <- in_fresh_r(function() {
    library(keras3)
    library(kswitch)
    keras3::use_backend("jax")  # before Python starts: keras3's own way
    start <- kswitch::backend()
    messages <- character()
    withCallingHandlers(kswitch::use_backend("torch"),
                        message = function(m) {
                          messages <<- c(messages, conditionMessage(m))
                          invokeRestart("muffleMessage")
                        })
    list(start = start, messages = messages, backend = kswitch::backend())
  })
  expect_equal(out$start, "jax")
  expect_equal(out$backend, "torch")
  expect_false(any(grepl("outside kswitch", out$messages)))
  expect_equal(read_config_file(home)$backend, "torch")
})

test_that("the knitr chunk option requests its backend; a model made before runs on its own", {
  root <- skip_without_managed()
  skip_if_not(rmarkdown::pandoc_available(), "pandoc is not installed")
  local_test_home()
  doc <- tempfile("managed-", tmpdir = test_root, fileext = ".Rmd")
  writeLines(c(
    "```{r}", "library(keras3); library(kswitch)",
    "m <- keras_model_sequential(input_shape = 2) |> layer_dense(1)", "```", "",
    "```{r, keras_backend = 'jax'}",
    "cat('chunk on', config_backend(), dim(predict(m, matrix(1:4, 2), verbose = 0)))", "```",
    "", "```{r}", "cat('after', config_backend(), python_kind())", "```"), doc)
  out <- in_managed_r(root, function(doc) {
    file <- rmarkdown::render(doc, "md_document", output_dir = dirname(doc),
                              intermediates_dir = dirname(doc), quiet = TRUE, envir = new.env())
    readLines(file)
  }, args = list(doc = doc))
  expect_true(any(grepl("## chunk on jax 2 1", out, fixed = TRUE)))
  expect_true(any(grepl("## after tensorflow managed", out, fixed = TRUE)))
})

test_that("the tutorial's experiment runs on managed Python in both isolations", {
  root <- skip_without_managed()
  local_test_home()
  out <- in_managed_r(root, function() {
    library(keras3)
    library(kswitch)
    lapply(c(process = "process", session = "session"), function(isolate) {
      runs <- compare_backends(backends = c("tensorflow", "jax"), repeats = 1,
                               isolate = isolate, verbose = FALSE)
      as.data.frame(runs)[c("backend", "error", "loss", "accuracy")]
    })
  })
  for (runs in out) {
    expect_equal(runs$backend, c("tensorflow", "jax"))
    expect_equal(runs$error, c(NA_character_, NA_character_))
    expect_true(all(is.finite(runs$loss) & runs$accuracy >= 0 & runs$accuracy <= 1))
  }
})
