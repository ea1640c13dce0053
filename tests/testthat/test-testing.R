# skip_if_no_backend() and for_each_backend(), run as a package's tests would run them.

test_that("skip_if_no_backend() passes an installed backend and rejects a non-backend", {
  skip_without_backends("jax")
  expect_invisible(skip_if_no_backend("jax"))
  expect_true(backend_available("jax"))
  expect_error(skip_if_no_backend("jaxx"), class = "kswitch_error_backend_unknown")
  expect_error(backend_available("Jax"), class = "kswitch_error_backend_unknown")
})

test_that("skip_if_no_backend() skips with the reason where Keras is missing", {
  python <- python_without_keras()
  out <- in_fresh_r(function() {
    skip <- tryCatch(kswitch::skip_if_no_backend("jax"), skip = identity)
    list(class = class(skip), message = conditionMessage(skip),
         available = kswitch::backend_available("jax"))
  }, env = c(RETICULATE_PYTHON = python))
  expect_true("skip" %in% out$class)
  expect_match(out$message, "Keras is not installed in this Python (", fixed = TRUE)
  expect_match(out$message, dirname(dirname(python)), fixed = TRUE)
  expect_false(out$available)
})

test_that("backend_available() is FALSE, not an error, where no Python can start", {
  out <- in_fresh_r(function() {
    skip <- tryCatch(kswitch::skip_if_no_backend("jax"), skip = identity)
    list(available = kswitch::backend_available("torch"), skip = conditionMessage(skip))
  }, env = c(RETICULATE_PYTHON = file.path(test_root, "no-such-python", "bin", "python")))
  expect_false(out$available)
  expect_match(out$skip, "Python cannot start here for Keras", fixed = TRUE)
})

# A test file of the kind a package would have, run by testthat in a new R process.
run_test_file <- function(code) {
  dir <- tempfile("tests-", tmpdir = test_root)
  dir.create(dir)
  writeLines(code, file.path(dir, "test-each.R"))
  in_fresh_r(function(dir) {
    results <- testthat::test_dir(dir, reporter = "silent", stop_on_failure = FALSE,
                                  package = NULL, load_package = "none")
    library(kswitch)
    out <- as.data.frame(results)[c("test", "failed", "skipped", "error", "passed")]
    out$message <- vapply(results, function(r) {
      bad <- Filter(function(e) !inherits(e, "expectation_success"), r$results)
      if (length(bad)) conditionMessage(bad[[1]]) else ""
    }, "")
    list(results = out, backend = backend())
  }, args = list(dir = dir))
}

test_that("for_each_backend() runs the test once per backend, each failure labelled", {
  skip_without_backends("tensorflow", "jax", "torch")
  local_test_home()
  out <- run_test_file(c(
    "library(kswitch)",
    "for_each_backend(c('tensorflow', 'jax', 'torch'), 'runs on its backend', {",
    "  expect_equal(keras_module()$config$backend(), backend())",
    "  expect_false(backend() == 'jax')  # fails on jax only",
    "})",
    "for_each_backend(NULL, 'the default is every backend that trains', expect_true(TRUE))"))
  res <- out$results
  expect_equal(res$test[1:3], paste("runs on its backend", c("[tensorflow]", "[jax]", "[torch]")))
  expect_equal(res$failed[1:3], c(0, 1, 0))
  expect_equal(res$passed[1:3], c(2, 1, 2))
  expect_false(any(res$error | res$skipped))
  expect_equal(res$test[4:6], paste("the default is every backend that trains",
                                    c("[tensorflow]", "[jax]", "[torch]")))
  expect_equal(out$backend, "tensorflow")  # each test's backend was put back
})

test_that("for_each_backend() skips a backend that is not installed, saying why", {
  bare <- tempfile("bare-venv-", tmpdir = test_root)
  processx::run(Sys.which("python3"), c("-m", "venv", "--without-pip", bare))
  dir <- tempfile("tests-", tmpdir = test_root)
  dir.create(dir)
  writeLines(c("library(kswitch)",
               "for_each_backend('jax', 'needs jax', expect_true(TRUE))"),
             file.path(dir, "test-each.R"))
  out <- in_fresh_r(function(dir) {
    results <- testthat::test_dir(dir, reporter = "silent", stop_on_failure = FALSE,
                                  load_package = "none")
    r <- results[[1]]
    list(test = r$test, skip = conditionMessage(r$results[[1]]),
         class = class(r$results[[1]]))
  }, args = list(dir = dir), env = c(RETICULATE_PYTHON = file.path(bare, "bin", "python")))
  expect_equal(out$test, "needs jax [jax]")
  expect_true("expectation_skip" %in% out$class)
  expect_match(out$skip, "Keras is not installed")
})

test_that("an example package's own tests pass on tensorflow, jax and torch via the helpers", {
  skip_without_backends("tensorflow", "jax", "torch")
  home <- local_test_home()
  path <- write_config(home, '{"backend": "tensorflow", "mine": 1}')
  before <- read_bytes(path)
  pkg <- file.path(tempfile("pkg-", tmpdir = test_root))
  dir.create(pkg)
  file.copy(test_path("fixtures", "kswitchdemo"), pkg, recursive = TRUE)
  lib <- file.path(pkg, "lib")
  dir.create(lib)
  out <- in_fresh_r(function(src, lib) {
    utils::install.packages(src, lib = lib, repos = NULL, type = "source", quiet = TRUE)
    .libPaths(c(lib, .libPaths()))
    results <- testthat::test_dir(file.path(src, "tests", "testthat"), package = "kswitchdemo",
                                  load_package = "installed", reporter = "silent",
                                  stop_on_failure = FALSE)
    as.data.frame(results)[c("test", "failed", "skipped", "error", "passed")]
  }, args = list(src = file.path(pkg, "kswitchdemo"), lib = lib))
  for (b in c("tensorflow", "jax", "torch")) {
    expect_true(paste0("fit_logistic() learns the task [", b, "]") %in% out$test, label = b)
  }
  expect_equal(nrow(out), 9)
  expect_equal(sum(out$failed), 0)
  expect_false(any(out$error | out$skipped))
  expect_true(all(out$passed > 0))
  expect_identical(read_bytes(path), before)
})
