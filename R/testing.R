#' Skip a test when a backend is not installed
#'
#' A testthat skip, with the reason (which Python, what is missing), when Keras or the
#' library of `backend` cannot be found in the Python kswitch uses. It imports neither. A
#' name that is not a backend is an error, not a skip: it is a mistake in the test.
#'
#' testthat is only suggested by kswitch: these helpers are for your package's tests and
#' work without kswitch attaching testthat.
#'
#' @param backend Name of the backend (see [backends()]).
#' @returns `TRUE`, invisibly, when the backend is installed; otherwise it skips.
#' @family testing helpers
#' @export
#' @examples
#' if (requireNamespace("testthat", quietly = TRUE)) {
#'   testthat::test_that("jax adds", {
#'     skip_if_no_backend("jax")
#'     local_backend("jax")
#'     ops <- keras_module()$ops
#'     testthat::expect_equal(as.numeric(ops$convert_to_numpy(ops$add(1, 2))), 3)
#'   })
#' }
skip_if_no_backend <- function(backend) {
  rlang::check_installed("testthat", "to skip tests")
  check_string(backend)
  reason <- backend_missing(backend)
  if (!is.null(reason)) testthat::skip(reason)
  invisible(TRUE)
}

#' Can a backend run here?
#'
#' `TRUE` when Keras and the library of `backend` are installed in the Python kswitch uses
#' (on reticulate's managed Python: when a switch can request them), `FALSE` otherwise, also
#' where no Python can start at all. It imports neither. Use it where something should run
#' only where it can: `@examplesIf`, a vignette chunk's `eval =`, a script's `if`. In tests,
#' [skip_if_no_backend()] says why.
#'
#' @inheritParams skip_if_no_backend
#' @returns `TRUE` or `FALSE`. A name that is not a backend is an error where a Python
#'   starts (the names are the Python core's).
#' @family testing helpers
#' @export
#' @examples
#' backend_available("jax")
#' if (backend_available("torch")) with_backend("torch", backend())
backend_available <- function(backend) {
  check_string(backend)
  is.null(backend_missing(backend))
}

# Why `backend` cannot run in this session's Python, or NULL when it can. A Python that
# cannot start is a reason too (CRAN's machines have none with Keras); a name that is not a
# backend stays an error: it is a mistake, not a missing install.
backend_missing <- function(backend, argument = "backend", call = rlang::caller_env()) {
  tryCatch(
    core_call("backend_missing", backend, argument = argument, call = call),
    error = function(e) {
      if (inherits(e, "kswitch_error")) stop(e)
      paste("Python cannot start here for Keras:", paste(conditionMessage(e), collapse = " "))
    }
  )
}

#' Run the same test on each backend
#'
#' Defines one testthat test per backend, named `"<desc> [<backend>]"`, so every failure
#' says which backend it happened on. Each runs `code` on its backend as with
#' [local_backend()] (the previous backend and settings come back after it, and
#' `keras.json` is not written), and is skipped with the reason when that backend is not
#' installed ([skip_if_no_backend()]). Call it where you would call `test_that()`.
#'
#' @param backends Names of the backends; `NULL` (the default) means every backend Keras
#'   can train models on (see the `trainable` column of [backends()]).
#' @param desc What the test checks, as for `test_that()`.
#' @param code The test's code: expectations, as in `test_that()`.
#' @returns `NULL`, invisibly.
#' @family testing helpers
#' @export
#' @examples
#' if (requireNamespace("testthat", quietly = TRUE)) {
#'   for_each_backend(c("jax", "torch"), "ones() has the asked shape", {
#'     testthat::expect_equal(k_shape(keras_module()$ops$ones(c(2L, 3L))), c(2L, 3L))
#'   })
#' }
for_each_backend <- function(backends = NULL, desc, code) {
  rlang::check_installed("testthat", "to run tests on each backend")
  backends <- backends %||% trainable_backends()
  check_strings(backends)
  check_string(desc)
  # Unknown names fail here, before any test runs: a typo must not pass as a skip.
  missing <- lapply(backends, backend_missing, argument = "backends", call = environment())
  code <- substitute(code)
  env <- parent.frame()
  for (i in seq_along(backends)) {
    test <- bquote(testthat::test_that(.(sprintf("%s [%s]", desc, backends[[i]])), {
      if (.(!is.null(missing[[i]]))) testthat::skip(.(missing[[i]] %||% ""))
      kswitch::local_backend(.(backends[[i]]))
      .(code)
    }))
    eval(test, env)
  }
  invisible()
}

# This Keras generation's backends that can train (installed or not, so tests say which
# were skipped), and those of them that are installed (what a comparison can run).
trainable_backends <- function() unlist(core_call("trainable_backends"))

installed_trainable_backends <- function(call = rlang::caller_env()) {
  unlist(core_call("trainable_backends", installed_only = TRUE, call = call))
}
