# local_/with_ helpers: the scope's backend and settings inside, exactly the previous state
# after (also on error), and keras.json never written.

scope_state <- function(home) {
  list(file = read_bytes(file.path(home, "keras.json")), backend = backend(),
       in_keras = backend_in_session(), epsilon = k_epsilon(), floatx = k_floatx(),
       format = k_image_data_format(), env = python_env("KERAS_BACKEND"),
       source = keras_config()$backend_source)
}

python_env <- function(name) reticulate::import("os")$environ$get(name)

test_that("with_backend() and local_backend() switch for the scope and restore after", {
  skip_without_backends("tensorflow", "jax", "torch")
  home <- local_test_home()
  write_config(home, '{"backend": "jax", "epsilon": 1e-07, "mine": true}')
  quietly(use_backend("tensorflow", persist = FALSE))
  local_keras_config(epsilon = 1e-5)
  before <- scope_state(home)

  inside <- with_backend("torch", list(backend(), backend_in_session(), k_epsilon(),
                                       fit_small_model()))
  expect_equal(inside[1:3], list("torch", "torch", 1e-5))
  expect_true(is.finite(inside[[4]]))
  expect_identical(scope_state(home), before)

  f <- function() {
    expect_equal(local_backend("jax"), "tensorflow")
    local_keras_config(floatx = "float64")
    list(backend_in_session(), k_floatx())
  }
  expect_equal(f(), list("jax", "float64"))
  expect_identical(scope_state(home), before)
  expect_silent(with_backend("jax", NULL))  # quiet: made for tests and notebooks
})

test_that("the previous state comes back when the code fails, and scopes nest", {
  skip_without_backends("tensorflow", "jax", "torch")
  home <- local_test_home()
  write_config(home, '{"backend": "tensorflow"}')
  quietly(use_backend("tensorflow", persist = FALSE))
  before <- scope_state(home)
  expect_error(with_backend("jax", {
    k_set_epsilon(0.5)
    stop("inside the scope")
  }), "inside the scope")
  expect_identical(scope_state(home), before)

  nested <- with_backend("jax", {
    inner <- with_backend("torch", with_keras_config(list(epsilon = 0.25),
                                                     c(backend(), k_epsilon())))
    c(inner, backend(), k_epsilon())
  })
  expect_equal(nested, c("torch", "0.25", "jax", "1e-07"))
  expect_identical(scope_state(home), before)
})

test_that("bad scope arguments change nothing: the switch is checked before it happens", {
  skip_without_backends("tensorflow")
  home <- local_test_home()
  write_config(home, '{"backend": "tensorflow"}')
  quietly(use_backend("tensorflow", persist = FALSE))
  before <- scope_state(home)
  expect_error(local_keras_config(epsilon = 1e-3, floatx = "float8"),
               class = "kswitch_error_invalid_argument")
  expect_error(with_backend("Jax", stop("never run")), class = "kswitch_error_backend_unknown")
  err <- expect_error(with_keras_config(list(epsilon = 1e-3, eps = 1), NULL),
                      class = "kswitch_error_invalid_argument")
  expect_match(conditionMessage(err), "`image_data_format`")
  expect_identical(scope_state(home), before)
})

test_that("a scope in a session that had not imported Keras leaves it not imported", {
  skip_without_backends("torch")
  home <- local_test_home()
  path <- write_config(home, '{"backend": "jax", "epsilon": 0.001}')
  before <- read_bytes(path)
  out <- in_fresh_r(function() {
    library(kswitch)
    imported <- function() reticulate::py_eval("'keras' in __import__('sys').modules")
    inside <- with_backend("torch", {
      k_set_epsilon(0.5)
      c(backend = keras_module()$config$backend(), epsilon = k_epsilon())
    })
    after <- list(backend = backend(), imported = imported(),
                  env = reticulate::import("os")$environ$get("KERAS_BACKEND"))
    # Keras then loads on the file's backend, with the file's settings...
    first_use <- c(keras_module()$config$backend(), k_epsilon())
    # ...and the torch tree set aside by the scope is reused, with the file's settings too.
    again <- with_backend("torch", list(k_epsilon(), reticulate::py_eval(
      "__import__('kswitch.switch').switch._trees.parked.get('torch') is None")))
    list(inside = inside, after = after, first_use = first_use, again = again)
  })
  expect_equal(out$inside, c(backend = "torch", epsilon = "0.5"))
  expect_equal(out$after, list(backend = "jax", imported = FALSE, env = NULL))  # as it was
  expect_equal(out$first_use, c("jax", "0.001"))
  expect_equal(out$again, list(0.001, TRUE))
  expect_identical(read_bytes(path), before)
})

test_that("with_keras_home() and local_keras_home() point kswitch elsewhere, then back", {
  home <- local_test_home()
  other <- tempfile("other-home-", tmpdir = test_root)
  expect_equal(with_keras_home(other, keras_config_path()), file.path(other, "keras.json"))
  expect_equal(keras_config_path(), file.path(home, "keras.json"))
  expect_equal(python_env("KERAS_HOME"), home)
})

test_that("local_keras_home() makes a relative path absolute, so setwd() cannot move it", {
  dir <- local_test_home()
  dir.create(dir)
  withr::local_dir(dir)
  local_keras_home("rel")
  expect_equal(keras_config_path(), file.path(dir, "rel", "keras.json"))
})
