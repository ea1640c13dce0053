# Every feature on every kind of Python a keras3 user may have (issue "kswitch where users
# are"). Each kind runs in fresh R processes, as a user would: keras3 and kswitch attached (in
# both orders across the kinds), then python_kind() before and after Python starts, backends(),
# switches there and back with a fit on each and a model made before used after, a scope,
# carry_model(), the knitr chunk option, compare_backends() in both isolations, testthat's
# for_each_backend(), a backend that is not installed (its fix right for the kind, nothing
# changed) and a persisted backend in the next session. The README's table "Which Python
# kswitch uses" is this matrix.
#
# The user's own Python is a real project environment, `<project>/.venv` (python -m venv +
# pip: keras, jax, torch; no TensorFlow), made by `make user-project`.

user_project <- function() {
  skip_without_keras3()
  dir <- Sys.getenv("KSWITCH_USER_PROJECT")
  if (!nzchar(dir) || !file.exists(file.path(dir, ".venv", "bin", "python"))) {
    skip("no project with its own ./.venv (`make test-r-cran` makes it: `make user-project`)")
  }
  normalizePath(dir)
}

# The features, walked in one R process. `cell`: the kind's set-up (R code run first), the
# working directory, which package is attached first, and the backend that is not installed
# there (with UV_OFFLINE on managed Python: uv cannot fetch it).
walk_features <- function(cell, rmd) {
  setwd(cell$wd)
  eval(parse(text = cell$setup))
  if (cell$first == "kswitch") {
    library(kswitch)
    library(keras3)
  } else {
    library(keras3)
    library(kswitch)
  }
  quiet <- function(x) suppressMessages(x)
  out <- list(kind_before = kswitch::python_kind(),
              required_at_load = reticulate::py_require()$packages)  # keras3's, kswitch's
  small_fit <- function() {
    model <- keras3::keras_model_sequential(input_shape = 4) |> keras3::layer_dense(1)
    keras3::compile(model, loss = "mse", optimizer = "sgd")
    history <- keras3::fit(model, matrix(runif(40), 10), runif(10), epochs = 1, verbose = 0)
    list(model = model, loss = history$metrics$loss[[1]])
  }
  bound <- character()
  warned <- character()  # e.g. reticulate's "requirements declared via `py_require()` are not
  withCallingHandlers({  # installed in the selected Python environment"
    quiet(kswitch::use_backend("jax", persist = FALSE))
    on_jax <- small_fit()
  }, kswitch_message_python_bound = function(m) bound <<- conditionMessage(m),
  warning = function(w) warned <<- c(warned, conditionMessage(w)))
  out$warned <- warned
  config <- reticulate::py_config()
  out$started <- list(kind = kswitch::python_kind(), python = config$python,
                      ephemeral = isTRUE(config$ephemeral), bound_message = bound)
  out$table_kind <- attr(kswitch::backends(), "python_kind")
  quiet(kswitch::use_backend("torch", persist = FALSE))
  on_torch <- small_fit()
  out$on_torch <- keras3::config_backend()
  # A model made on jax, used with the session on torch: it runs on its own backend.
  out$jax_model_on_torch <- dim(predict(on_jax$model, matrix(1, 2, 4), verbose = 0))
  quiet(kswitch::use_backend("jax", persist = FALSE))
  out$back <- keras3::config_backend()
  out$losses <- c(on_jax$loss, on_torch$loss, small_fit()$loss)
  out$scope <- kswitch::with_backend("torch", list(keras3::config_backend(), small_fit()$loss))
  out$after_scope <- keras3::config_backend()
  carried <- quiet(kswitch::carry_model(on_jax$model, "torch"))
  out$carried <- list(keras3::config_backend(), dim(as.array(carried(matrix(1, 2, 4)))))
  quiet(kswitch::use_backend("jax", persist = FALSE))

  md <- rmarkdown::render(rmd, "md_document", output_dir = tempdir(),
                          intermediates_dir = tempdir(), quiet = TRUE, envir = new.env())
  out$knitr <- readLines(md)

  tiny <- function(keras, seed, step) {
    x <- withr::with_seed(seed, matrix(runif(32 * 4), ncol = 4))
    y <- matrix(rowSums(x))
    model <- keras$Sequential(list(keras$Input(shape = list(4L)), keras$layers$Dense(1L)))
    model$compile(optimizer = "sgd", loss = "mse")
    step("fit", model$fit(x, y, epochs = 1L, verbose = 0L))
    list(loss = step("evaluate", model$evaluate(x, y, verbose = 0L)),
         on = keras$config$backend())
  }
  # Sent to new R processes: its environment must not be this function's, which holds models.
  environment(tiny) <- globalenv()
  compare <- function(isolate) {
    runs <- kswitch::compare_backends(tiny, c("jax", "torch"), repeats = 1, isolate = isolate,
                                      verbose = FALSE)
    as.data.frame(runs)[c("backend", "on", "loss", "error")]
  }
  out$compare_session <- compare("session")
  out$compare_process <- compare("process")
  out$after_compare <- keras3::config_backend()

  test_file <- tempfile(fileext = ".R")
  writeLines(c("kswitch::for_each_backend(c('jax', 'torch'), 'on its backend', {",
               "  testthat::expect_equal(keras3::config_backend(), kswitch::backend())",
               "})"), test_file)
  results <- as.data.frame(testthat::test_file(test_file, reporter = "silent"))
  out$for_each <- results[c("test", "passed", "failed", "skipped", "error")]

  path <- kswitch::keras_config_path()
  before <- readBin(path, "raw", 1e5)
  required <- function() reticulate::py_require()$packages
  required_before <- required()
  if (out$started$ephemeral) Sys.setenv(UV_OFFLINE = "1")  # uv runs as R's child
  err <- tryCatch(kswitch::use_backend(cell$missing), error = identity)
  Sys.unsetenv("UV_OFFLINE")
  message_of <- function(e) if (inherits(e, "condition")) conditionMessage(e) else "no error"
  out$missing <- list(class = class(err), message = message_of(err),
                      backend = kswitch::backend(), keras = keras3::config_backend(),
                      file_unchanged = identical(readBin(path, "raw", 1e5), before),
                      required_unchanged = identical(required(), required_before))
  err <- tryCatch(kswitch::use_backend("theano"), error = identity)
  out$elsewhere <- list(class = class(err), message = message_of(err))

  quiet(kswitch::use_backend("torch"))  # persisted, for the next session
  out$required_at_end <- required()
  out
}

next_session <- function(cell) {
  setwd(cell$wd)
  eval(parse(text = cell$setup))
  library(keras3)
  library(kswitch)
  start <- kswitch::backend()
  model <- keras3::keras_model_sequential(input_shape = 2) |> keras3::layer_dense(1)
  keras3::compile(model, loss = "mse", optimizer = "sgd")
  keras3::fit(model, matrix(runif(20), 10), runif(10), epochs = 1, verbose = 0)
  list(start = start, keras = keras3::config_backend(), kind = kswitch::python_kind())
}

kind_cells <- function(project) {
  venv <- file.path(project, ".venv")
  python <- file.path(venv, "bin", "python")
  no_envs <- tempfile("no-envs-", tmpdir = test_root)
  dir.create(no_envs)
  hide_kswitch_envs <- c(RETICULATE_VIRTUALENV_ROOT = no_envs, WORKON_HOME = no_envs)
  elsewhere <- c(RETICULATE_PYTHON = "Unset it", use_python = "without it",
                 VIRTUAL_ENV = "deactivate", project = "outside the project directory")
  user <- function(kind, ...) {
    utils::modifyList(list(kind = kind, python = python, wd = test_root, setup = "",
                           first = "keras3", missing = "tensorflow",
                           missing_fix = "reticulate::py_install",
                           elsewhere_fix = elsewhere[[kind]], env = character()), list(...))
  }
  list(
    kswitch = list(kind = "kswitch", python = kswitch:::env_python("r-keras"), wd = test_root,
                   setup = "", first = "kswitch", missing = "theano",
                   missing_fix = "Start a new R session", elsewhere_fix = "Start a new R session",
                   env = character()),
    managed = list(kind = "managed", python = NULL, wd = test_root, setup = "", first = "keras3",
                   missing = "openvino", missing_fix = "uv said",
                   elsewhere_fix = "Start a new R session", env = "managed"),
    RETICULATE_PYTHON = user("RETICULATE_PYTHON", env = c(RETICULATE_PYTHON = python),
                             first = "kswitch"),
    use_python = user("use_python", setup = sprintf(
      'reticulate::use_virtualenv("%s", required = TRUE)', venv)),
    project = user("project", wd = project, first = "kswitch"),
    project_alone = user("project", wd = project, env = hide_kswitch_envs),
    VIRTUAL_ENV = user("VIRTUAL_ENV", env = c(
      VIRTUAL_ENV = venv, PATH = paste(file.path(venv, "bin"), Sys.getenv("PATH"), sep = ":")))
  )
}

run_cell <- function(cell, code, args) {
  if (identical(cell$env, "managed")) {
    return(in_managed_r(skip_without_managed(), code, args = args))
  }
  in_fresh_r(code, args = args, env = cell$env)
}

kind_rmd <- function() {
  rmd <- tempfile("kinds-", tmpdir = test_root, fileext = ".Rmd")
  writeLines(c(
    "```{r}", "m <- keras3::keras_model_sequential(input_shape = 2) |> keras3::layer_dense(1)",
    "```", "",
    "```{r, keras_backend = 'torch'}",
    "cat('chunk on', keras3::config_backend(), dim(predict(m, matrix(1:4, 2), verbose = 0)))",
    "```", "", "```{r}", "cat('after', keras3::config_backend())", "```"), rmd)
  rmd
}

# KSWITCH_TEST_KINDS (names, comma-separated) runs only some.
kinds <- c("kswitch", "managed", "RETICULATE_PYTHON", "use_python", "project", "project_alone",
           "VIRTUAL_ENV")
if (nzchar(Sys.getenv("KSWITCH_TEST_KINDS"))) {
  kinds <- intersect(kinds, strsplit(Sys.getenv("KSWITCH_TEST_KINDS"), ",")[[1]])
}
for (name in kinds) {
  test_that(sprintf("every feature on %s Python", name), {
    project <- user_project()
    cell <- kind_cells(project)[[name]]
    if (identical(cell$env, "managed")) skip_without_managed()
    skip_if(identical(cell$kind, "kswitch") && !file.exists(cell$python),
            "kswitch's r-keras environment is not installed (make python-env)")
    skip_if_not(rmarkdown::pandoc_available(), "pandoc is not installed")
    home <- local_test_home()
    write_config(home, '{"backend": "jax", "floatx": "float32"}')
    out <- run_cell(cell, walk_features, list(cell = cell, rmd = kind_rmd()))

    expect_equal(out$kind_before, cell$kind)
    expect_equal(out$started$kind, cell$kind)
    expect_equal(out$table_kind, cell$kind)
    if (cell$kind == "managed") {
      expect_true(out$started$ephemeral)
    } else {
      expect_equal(normalizePath(out$started$python), normalizePath(cell$python))
    }
    # With keras3 loaded reticulate itself picks kswitch's "r-keras" (keras3's delay-load
    # environment) where nothing else was chosen: kswitch binds nothing of its own.
    expect_length(out$started$bound_message, 0)
    expect_length(out$warned, 0)
    # Only managed Python is asked for backends: elsewhere kswitch adds nothing to
    # py_require()'s list (keras3 declares its own when it loads).
    if (cell$kind != "managed") expect_equal(out$required_at_end, out$required_at_load)
    if (cell$kind == "managed") expect_true("torch" %in% out$required_at_end)
    expect_equal(c(out$on_torch, out$back), c("torch", "jax"))
    expect_equal(out$jax_model_on_torch, c(2L, 1L))
    expect_true(all(is.finite(out$losses)))
    expect_equal(out$scope[[1]], "torch")
    expect_true(is.finite(out$scope[[2]]))
    expect_equal(out$after_scope, "jax")
    expect_equal(out$carried, list("torch", c(2L, 1L)))
    expect_true(any(grepl("chunk on torch 2 1", out$knitr, fixed = TRUE)))
    expect_true(any(grepl("after jax", out$knitr, fixed = TRUE)))
    for (runs in list(out$compare_session, out$compare_process)) {
      expect_equal(runs$error, c(NA_character_, NA_character_))
      expect_equal(runs$on, c("jax", "torch"))
      expect_true(all(is.finite(runs$loss)))
    }
    expect_equal(out$after_compare, "jax")
    expect_equal(out$for_each$passed, c(1, 1))
    expect_false(any(out$for_each$failed > 0 | out$for_each$skipped | out$for_each$error))

    expect_true("kswitch_error_backend_unavailable" %in% out$missing$class)
    expect_match(out$missing$message, cell$missing_fix, fixed = TRUE)
    if (cell$kind != "kswitch") {
      expect_match(out$missing$message, cell$missing, fixed = TRUE)
      expect_false(grepl("install_backends", out$missing$message, fixed = TRUE))
    }
    expect_equal(c(out$missing$backend, out$missing$keras), c("jax", "jax"))
    expect_true(out$missing$file_unchanged)
    expect_true(out$missing$required_unchanged)
    expect_true("kswitch_error_backend_elsewhere" %in% out$elsewhere$class)
    expect_match(out$elsewhere$message, cell$elsewhere_fix, fixed = TRUE)

    expect_equal(read_config_file(home)$backend, "torch")
    later <- run_cell(cell, next_session, list(cell = cell))
    expect_equal(later, list(start = "torch", keras = "torch", kind = cell$kind))
  })
}

test_that("kswitch alone binds its environment over reticulate's managed default, saying so", {
  skip_if(utils::packageVersion("reticulate") < "1.41", "no managed Python before reticulate 1.41")
  skip_if_not(file.exists(env_python("r-keras")), "kswitch's r-keras environment is not installed")
  local_test_home()
  out <- in_fresh_r(function() {
    library(kswitch)
    before <- python_kind()
    messages <- list()
    withCallingHandlers(kswitch::use_backend("jax", persist = FALSE),
                        message = function(m) {
                          messages[[length(messages) + 1]] <<- m
                          invokeRestart("muffleMessage")
                        })
    list(before = before, after = python_kind(), python = reticulate::py_config()$python,
         bound = Filter(function(m) inherits(m, "kswitch_message_python_bound"), messages))
  })
  expect_equal(c(out$before, out$after), c("kswitch", "kswitch"))
  expect_equal(normalizePath(out$python), normalizePath(env_python("r-keras")))
  expect_length(out$bound, 1)
  expect_match(conditionMessage(out$bound[[1]]), "reticulate alone would use reticulate's managed")
})

test_that("a project's ./.venv without TensorFlow: Keras's first use says to install it there", {
  project <- user_project()
  home <- local_test_home()
  path <- write_config(home, '{"backend": "tensorflow", "floatx": "float32"}')
  before <- read_bytes(path)
  out <- in_fresh_r(function(project) {
    setwd(project)
    library(keras3)
    library(kswitch)
    err <- tryCatch(keras3::keras_model_sequential(input_shape = 2), error = identity)
    list(kind = python_kind(), message = conditionMessage(err))
  }, args = list(project = project))
  expect_equal(out$kind, "project")
  expect_match(out$message, "tensorflow", fixed = TRUE)
  expect_match(out$message, "Install it in this Python", fixed = TRUE)
  expect_match(out$message, "reticulate::py_install", fixed = TRUE)
  expect_false(grepl("install_backends", out$message, fixed = TRUE))
  expect_identical(read_bytes(path), before)
})
