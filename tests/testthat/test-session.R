test_that("setters return the old value invisibly and getters read Keras's value", {
  skip_without_backends("tensorflow")
  local_test_home()
  expect_invisible(old <- k_set_epsilon(1e-3))
  on.exit(k_set_epsilon(old), add = TRUE)
  expect_equal(k_epsilon(), 1e-3)
  expect_equal(keras_module()$config$epsilon(), 1e-3)
  expect_equal(k_set_epsilon(old), 1e-3)

  expect_invisible(old_floatx <- k_set_floatx("float16"))
  on.exit(k_set_floatx(old_floatx), add = TRUE)
  expect_equal(k_floatx(), "float16")
  expect_equal(k_set_floatx(old_floatx), "float16")

  expect_invisible(old_format <- k_set_image_data_format("channels_first"))
  on.exit(k_set_image_data_format(old_format), add = TRUE)
  expect_equal(k_image_data_format(), "channels_first")
})

test_that("setters with persist = TRUE write keras.json too", {
  skip_without_backends("tensorflow")
  home <- local_test_home()
  old <- list(k_set_epsilon(1e-4, persist = TRUE), k_set_floatx("float64", persist = TRUE),
              k_set_image_data_format("channels_first", persist = TRUE))
  on.exit({
    k_set_epsilon(old[[1]])
    k_set_floatx(old[[2]])
    k_set_image_data_format(old[[3]])
  }, add = TRUE)
  config <- read_config_file(home)
  expect_equal(config$epsilon, 1e-4)
  expect_equal(config$floatx, "float64")
  expect_equal(config$image_data_format, "channels_first")
})

test_that("k_clear_session() resets Keras's global state and keeps the settings", {
  skip_without_backends("tensorflow")
  local_test_home()
  old <- k_set_epsilon(1e-2)
  on.exit(k_set_epsilon(old), add = TRUE)
  keras <- keras_module()
  k_clear_session()  # earlier tests built layers: start from a cleared session
  first <- keras$layers$Dense(1L)$name
  keras$layers$Dense(1L)
  expect_false(identical(keras$layers$Dense(1L)$name, first))
  expect_null(k_clear_session())
  expect_equal(keras$layers$Dense(1L)$name, first)  # name counters start again
  expect_equal(k_epsilon(), 1e-2)
})

test_that("k_shape() gives integer dims, NA where unknown", {
  expect_identical(k_shape(matrix(0, 2, 3)), c(2L, 3L))  # R arrays: without Python
  expect_identical(k_shape(1:5), 5L)
  expect_identical(k_shape(array(0, c(2, 3, 4))), c(2L, 3L, 4L))
  expect_identical(k_shape(TRUE), 1L)
  skip_without_backends("tensorflow")
  local_test_home()
  keras <- keras_module()
  expect_identical(k_shape(keras$ops$ones(list(4L, 1L))), c(4L, 1L))
  expect_identical(k_shape(keras$Input(shape = list(20L))), c(NA, 20L))
})

test_that("k_set_floatx() reaches layers built after it, also after a switch", {
  skip_without_backends("tensorflow", "jax", "torch")
  local_test_home()
  quietly(use_backend("jax", persist = FALSE))
  keras <- keras_module()
  keras$layers$Dense(1L)  # Keras 3 derives its dtype policy from floatx here and caches it
  old <- k_set_floatx("float64")
  on.exit(k_set_floatx(old), add = TRUE)
  expect_equal(keras$layers$Dense(1L)$dtype, "float64")
  quietly(use_backend("torch", persist = FALSE))
  expect_equal(keras_module()$layers$Dense(1L)$dtype, "float64")
  k_set_floatx(old)
  expect_equal(keras_module()$layers$Dense(1L)$dtype, "float32")
})

test_that("a dtype policy the user chose is left alone by k_set_floatx()", {
  skip_without_backends("tensorflow")
  local_test_home()
  keras <- keras_module()
  keras$config$set_dtype_policy("mixed_float16")
  on.exit(keras$config$set_dtype_policy(keras$config$floatx()), add = TRUE)
  old <- k_set_floatx("float64")
  on.exit(k_set_floatx(old), add = TRUE, after = FALSE)
  expect_equal(keras$config$dtype_policy()$name, "mixed_float16")
})
