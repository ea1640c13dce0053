# Every skip of the suite, each saying what is missing and how to get it. What needs nothing
# but R and a Python (the config file, argument checks, conditions, the chunk option, tables
# and plots of recorded comparisons) never skips: on a machine without Keras (CRAN, a first
# devtools::check()) the rest skips and that runs.

# `make test` promises Keras with every backend in the tests' Python: there
# (KSWITCH_TESTS_NEED_KERAS=true) a missing backend fails the test, so nothing that runs
# with Keras can turn into a skip unnoticed.
keras_required <- function() isTRUE(as.logical(Sys.getenv("KSWITCH_TESTS_NEED_KERAS")))

skip_without_backends <- function(...) {
  for (name in c(...)) {
    reason <- kswitch:::backend_missing(name)
    if (is.null(reason)) next
    if (keras_required()) {
      stop("KSWITCH_TESTS_NEED_KERAS is set, but the ", name, " backend cannot run: ", reason)
    }
    skip(sprintf("the %s backend cannot run here: %s", name, reason))
  }
}

# keras3 needs reticulate >= 1.42, keras 2.2.5.0 (through the tensorflow R package) >= 1.32;
# `make test-r-cran` runs their tests with CRAN's reticulate and both installed.
skip_without <- function(pkg, reticulate) {
  if (!nzchar(system.file(package = pkg))) {
    skip(sprintf("%s is not installed here (make test-r-cran installs it, with CRAN's reticulate)",
                 pkg))
  }
  have <- utils::packageVersion("reticulate")
  if (have < reticulate) {
    skip(sprintf("%s needs reticulate >= %s; this is %s", pkg, reticulate, have))
  }
}
skip_without_keras3 <- function() {
  skip_without("keras3", "1.42")
  skip_without_backends("tensorflow", "jax", "torch")
}
skip_without_keras2 <- function() {
  skip_without("keras", "1.32")
  skip_if_no_legacy()
}

# Multi-backend Keras 2.3.1 lives in its own environment (helper-legacy.R).
skip_if_no_legacy <- function() {
  skip_if_not(file.exists(legacy_python), paste(
    "the Keras 2.3.1 environment is not installed:",
    'kswitch::install_backends(c("keras2-tensorflow", "theano", "cntk")) or make legacy-env'))
}

# reticulate's managed Python (helper-managed.R): uv and a Python uv takes as managed.
skip_without_managed <- function() {
  skip_without("keras3", "1.42")
  if (utils::packageVersion("reticulate") < "1.41") {
    skip("managed Python needs reticulate >= 1.41 (py_require())")
  }
  root <- Sys.getenv("KSWITCH_MANAGED_ROOT")
  if (!nzchar(root) || !file.exists(file.path(root, "uv-tool", "bin", "uv"))) {
    skip("no uv set up for managed Python (`make test-r-cran` runs `make managed-python`)")
  }
  root
}
