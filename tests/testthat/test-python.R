# What happens before Python or Keras starts (R/python.R binds a Python on first use):
# these run in a new R process.

test_that("library(kswitch) starts no Python; config functions import no Keras", {
  skip_without_backends("tensorflow", "jax")
  local_test_home()
  out <- in_fresh_r(function() {
    library(kswitch)
    started_at_load <- reticulate::py_available()
    before <- list(backend = backend(), backends = backends(), config = keras_config())
    suppressMessages(use_backend("jax"))
    heavy <- reticulate::py_eval(paste(
      "sorted({m.split('.')[0] for m in __import__('sys').modules}",
      "& {'keras', 'tensorflow', 'jax', 'jaxlib', 'torch', 'openvino'})"))
    list(started_at_load = started_at_load, before = before, heavy = heavy,
         after = backend(), source = keras_config()$backend_source,
         imported = keras_module()$config$backend())
  })
  expect_false(out$started_at_load)
  expect_equal(out$before$backend, "tensorflow")
  expect_equal(out$before$config$backend_source, "default")
  expect_false(out$before$config$keras_imported)
  expect_length(out$heavy, 0)
  expect_equal(out$after, "jax")
  expect_equal(out$source, "kswitch")
  expect_equal(out$imported, "jax")
})

test_that("switching before Keras is imported: Keras loads on the new backend and trains", {
  skip_without_backends("torch")
  local_test_home()
  out <- in_fresh_r(function(helper) {
    library(kswitch)
    source(helper, local = TRUE)
    suppressMessages(use_backend("torch", persist = FALSE))
    list(backend = keras_module()$config$backend(), loss = fit_small_model())
  }, args = list(helper = test_path("helper-kswitch.R")))
  expect_equal(out$backend, "torch")
  expect_true(is.finite(out$loss))
})

test_that("keras.json decides at start-up, and KERAS_BACKEND set outside R overrides it", {
  skip_without_backends("tensorflow", "jax", "torch")
  home <- local_test_home()
  write_config(home, '{"backend": "jax", "epsilon": 1e-04}')
  out <- in_fresh_r(function() {
    library(kswitch)
    list(backend = backend(), source = keras_config()$backend_source,
         keras = keras_module()$config$backend(), epsilon = k_epsilon())
  })
  expect_equal(out, list(backend = "jax", source = "keras.json", keras = "jax", epsilon = 1e-4))

  out <- in_fresh_r(function() {
    library(kswitch)
    before <- list(backend(), keras_config()$backend_source)
    message <- tryCatch(use_backend("tensorflow"), message = conditionMessage)
    list(before = before, message = message)
  }, env = c(KERAS_BACKEND = "torch"))
  expect_equal(out$before, list("torch", "KERAS_BACKEND"))
  expect_match(out$message, "KERAS_BACKEND")
  expect_match(out$message, "overrides")
  expect_equal(read_config_file(home)$backend, "tensorflow")
})

test_that("the core knows the kind of Python R bound, for its \"not installed\" fix", {
  local_test_home()
  backend()
  core_backends <- reticulate::import("kswitch.registry")
  choice <- python_choice()
  expect_equal(core_backends$SESSION$kind, python_kind())
  expect_equal(core_backends$SESSION[c("kind", "by", "python")], choice[c("kind", "by", "python")])
  expect_equal(normalizePath(choice$python), normalizePath(reticulate::py_config()$python))
  expect_match(core_backends$install_fix(core_backends$REGISTRY[["jax"]]),
               switch(python_kind(), managed = "py_require", kswitch = "install_backends",
                      "py_install"))
})
