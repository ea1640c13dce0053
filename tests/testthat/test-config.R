test_that("keras_config_path() follows KERAS_HOME, also after Python started", {
  home <- local_test_home()
  expect_equal(keras_config_path(), file.path(home, "keras.json"))
  other <- local_test_home()
  expect_equal(keras_config_path(), file.path(other, "keras.json"))
})

test_that("use_backend() persists the backend, keeping key order, unknown keys and mode", {
  skip_without_backends("tensorflow", "jax")
  home <- local_test_home()
  path <- write_config(home, c(
    "{", '  "image_data_format": "channels_last",', '  "backend": "tensorflow",',
    '  "nnx_enabled": false,', '  "custom": {"a": [1, 2]},', '  "epsilon": 1e-05,',
    '  "floatx": "float32"', "}"
  ))
  Sys.chmod(path, "0600")
  quietly(use_backend("jax"))
  on.exit(quietly(use_backend("tensorflow", persist = FALSE)), add = TRUE)
  config <- read_config_file(home)
  expect_equal(names(config),
               c("image_data_format", "backend", "nnx_enabled", "custom", "epsilon", "floatx"))
  expect_equal(config$backend, "jax")
  expect_false(config$nnx_enabled)
  expect_equal(config$custom, list(a = list(1L, 2L)))
  expect_equal(config$epsilon, 1e-05)
  expect_equal(format(file.info(path)$mode), "600")
  bytes <- read_bytes(path)
  expect_equal(bytes[length(bytes)], charToRaw("\n"))
  expect_equal(list.files(home, all.files = TRUE, no.. = TRUE), "keras.json")
})

test_that("a missing file and directory are created with Keras's defaults", {
  skip_without_backends("tensorflow")
  home <- file.path(local_test_home(), "nested", "dir")
  local_keras_home(home)
  quietly(use_backend("tensorflow"))
  expect_equal(read_config_file(home), list(floatx = "float32", epsilon = 1e-07,
                                            backend = "tensorflow",
                                            image_data_format = "channels_last"))
})

test_that("persist = FALSE leaves keras.json alone", {
  skip_without_backends("tensorflow", "jax")
  home <- local_test_home()
  quietly(use_backend("jax", persist = FALSE))
  on.exit(quietly(use_backend("tensorflow", persist = FALSE)), add = TRUE)
  expect_false(file.exists(file.path(home, "keras.json")))
  path <- write_config(home, '{"backend": "torch"}')
  before <- read_bytes(path)
  quietly(use_backend("tensorflow", persist = FALSE))
  expect_identical(read_bytes(path), before)
})

test_that("epsilon is written as a JSON float, which Keras requires", {
  skip_without_backends("tensorflow")
  home <- local_test_home()
  old <- k_set_epsilon(1, persist = TRUE)
  on.exit(k_set_epsilon(old), add = TRUE)
  expect_match(rawToChar(read_bytes(file.path(home, "keras.json"))), '"epsilon": 1.0')
  expect_equal(k_epsilon(), 1)
})

test_that("corrupt keras.json is an error naming file and position; nothing changes", {
  skip_without_backends("jax", "torch")
  home <- local_test_home()
  path <- write_config(home, c("{", '  "backend": "jax",', '  "epsilon": 1e-07,,', "}"))
  before <- read_bytes(path)
  backend_before <- backend_in_session()
  err <- expect_error(use_backend("torch"), class = "kswitch_error_config")
  expect_match(conditionMessage(err), path, fixed = TRUE)
  expect_match(conditionMessage(err), "line 3, column")
  expect_equal(err$path, path)
  expect_identical(read_bytes(path), before)
  expect_equal(backend_in_session(), backend_before)
  expect_error(k_set_epsilon(1e-3, persist = TRUE), class = "kswitch_error_config")
  expect_identical(read_bytes(path), before)
  expect_match(keras_config()$file_error, "not valid JSON")
})

test_that("a non-object, an empty file or a value Keras rejects is an error", {
  skip_without_backends("jax")
  home <- local_test_home()
  cases <- list(
    c("[1, 2]", "JSON array"),
    c("", "empty"),
    c('{"epsilon": 1}', "JSON float"),
    c('{"floatx": "bfloat16"}', "float16"),
    c('{"image_data_format": "Channels_Last"}', "channels_last")
  )
  for (case in cases) {
    path <- write_config(home, case[[1]])
    before <- read_bytes(path)
    err <- expect_error(use_backend("jax"), class = "kswitch_error_config")
    expect_match(conditionMessage(err), case[[2]], fixed = TRUE)
    expect_identical(read_bytes(path), before)
  }
})

test_that("floatx bfloat16 is a session value only: Keras rejects it in the file", {
  skip_without_backends("tensorflow")
  home <- local_test_home()
  expect_error(k_set_floatx("bfloat16", persist = TRUE), class = "kswitch_error_invalid_argument")
  expect_false(file.exists(file.path(home, "keras.json")))
  old <- k_set_floatx("bfloat16")
  on.exit(k_set_floatx(old), add = TRUE)
  expect_equal(k_floatx(), "bfloat16")
})

test_that("keras_config() says where the backend comes from", {
  skip_without_backends("tensorflow", "jax")
  # Loading a backend's Keras for the first time writes keras.json if missing (as Keras
  # does): load jax before this test's fresh home, so the test does not depend on order.
  quietly(use_backend("jax", persist = FALSE))
  on.exit(quietly(use_backend("tensorflow", persist = FALSE)), add = TRUE)
  backend_in_session()
  home <- local_test_home()
  config <- keras_config()
  expect_s3_class(config, "kswitch_config")
  expect_equal(config$backend, "jax")
  expect_equal(config$backend_source, "kswitch")
  expect_equal(config$path, file.path(home, "keras.json"))
  expect_false(config$exists)
  expect_true(config$keras_imported)
  expect_named(config$session, c("epsilon", "floatx", "image_data_format"))
  expect_output(print(config), "Backend")
})

test_that("repair_keras_config() keeps a backup and what can be kept, only when asked", {
  home <- local_test_home()
  path <- write_config(home, '{"backend": "jax", "epsilon": 1, "mine": [1],,}')
  before <- read_bytes(path)
  expect_match(keras_config()$file_error, "not valid JSON")
  expect_identical(read_bytes(path), before)  # reading never repairs
  expect_message(result <- repair_keras_config(), "Backup", class = "kswitch_message_repair")
  expect_true(result$repaired)
  expect_equal(dirname(result$backup), home)
  expect_identical(read_bytes(result$backup), before)
  expect_equal(read_config_file(home)$backend, "tensorflow")  # corrupt: Keras's defaults
  expect_null(keras_config()$file_error)

  path <- write_config(home, '{"backend": "jax", "epsilon": 1, "mine": [1]}')
  result <- quietly(repair_keras_config())
  expect_equal(unlist(result$converted), "epsilon")
  expect_equal(read_config_file(home), list(backend = "jax", epsilon = 1, mine = list(1L)))
  expect_message(result <- repair_keras_config(), "needs no repair")
  expect_false(result$repaired)
})

test_that("repair_keras_config() refuses what it cannot repair safely", {
  home <- local_test_home()
  dir.create(file.path(home, "keras.json"), recursive = TRUE)
  err <- expect_error(repair_keras_config(), class = "kswitch_error_config")
  expect_match(conditionMessage(err), file.path(home, "keras.json"), fixed = TRUE)
  expect_equal(list.files(home, all.files = TRUE, no.. = TRUE), "keras.json")
})

test_that("an empty or relative KERAS_HOME is an error naming the fix", {
  local_test_home()
  old <- set_keras_home("relative/dir")
  on.exit(set_keras_home(old), add = TRUE)
  err <- expect_error(keras_config_path(), class = "kswitch_error_config")
  expect_match(conditionMessage(err), "relative path")
  expect_match(conditionMessage(err), "absolute path")
  expect_equal(err$argument, "KERAS_HOME")
  set_keras_home("")
  expect_error(keras_config_path(), "set but empty", class = "kswitch_error_config")
  skip_without_backends("jax")  # a switch refuses it too
  set_keras_home("relative/dir")
  expect_error(use_backend("jax"), class = "kswitch_error_config")
})

test_that("a read-only keras.json is never replaced", {
  skip_without_backends("tensorflow", "jax")
  home <- local_test_home()
  path <- write_config(home, '{"backend": "tensorflow"}')
  Sys.chmod(path, "0444")
  before <- read_bytes(path)
  backend_before <- backend_in_session()
  err <- expect_error(use_backend("jax"), class = "kswitch_error_config")
  expect_match(conditionMessage(err), "read-only")
  expect_match(conditionMessage(err), "persist = FALSE", fixed = TRUE)
  expect_identical(read_bytes(path), before)
  expect_equal(backend_in_session(), backend_before)
  expect_error(k_set_epsilon(1e-3, persist = TRUE), class = "kswitch_error_config")
  expect_equal(k_epsilon(), 1e-07)
})

test_that("an unknown backend in keras.json: a classed error on import, use_backend() works", {
  skip_without_backends("tensorflow", "jax")
  home <- local_test_home()
  path <- write_config(home, '{"backend": "foo"}')
  out <- in_fresh_r(function() {
    library(kswitch)
    err <- tryCatch(keras_module(), error = identity)
    suppressMessages(use_backend("jax", persist = FALSE))
    list(class = class(err), message = conditionMessage(err), path = err$path,
         after = keras_module()$config$backend())
  })
  expect_equal(out$class[1:2], c("kswitch_error_config", "kswitch_error"))
  expect_match(out$message, path, fixed = TRUE)
  expect_match(out$message, 'use_backend("tensorflow"', fixed = TRUE)
  expect_equal(out$path, path)
  expect_equal(out$after, "jax")
  expect_equal(read_config_file(home)$backend, "foo")
})
