# Every exported function, every argument: bad values give a classed error that names the
# argument, and leave keras.json, the backend and the session settings as they were.

bad_strings <- list(1, TRUE, NA, NA_character_, NULL, character(0), c("a", "b"), "", list("a"))
bad_flags <- list("yes", 1, NA, NULL, logical(0), c(TRUE, FALSE))
bad_numbers <- list("a", TRUE, NA, NA_real_, NULL, numeric(0), c(1e-3, 1e-4), -1, 0, Inf, -Inf,
                    NaN)

bad_calls <- c(
  lapply(c(bad_strings, list("theanoo", "Jax", "TENSORFLOW", " jax")),
         function(v) list("use_backend", list(backend = v))),
  lapply(bad_flags, function(v) list("use_backend", list(backend = "jax", persist = v))),
  lapply(bad_numbers, function(v) list("k_set_epsilon", list(e = v))),
  lapply(bad_flags, function(v) list("k_set_epsilon", list(e = 1e-3, persist = v))),
  lapply(c(bad_strings, list("float8", "Float32", "double")),
         function(v) list("k_set_floatx", list(floatx = v))),
  lapply(bad_flags, function(v) list("k_set_floatx", list(floatx = "float32", persist = v))),
  lapply(c(bad_strings, list("channels_middle", "Channels_Last")),
         function(v) list("k_set_image_data_format", list(data_format = v))),
  lapply(bad_flags, function(v) list("k_set_image_data_format",
                                     list(data_format = "channels_last", persist = v))),
  lapply(list("a", NULL, list(1, 2), factor("a")), function(v) list("k_shape", list(x = v))),
  lapply(c(bad_strings, list("theanoo", "Jax")),
         function(v) list("install_backends", list(backends = v))),
  lapply(bad_strings, function(v) list("install_backends", list(envname = v))),
  lapply(bad_strings[-5], function(v) list("install_backends", list(python = v))),
  lapply(bad_strings[-c(5, 6, 7)], function(v) list("install_backends", list(extra_packages = v))),
  lapply(bad_strings, function(v) list("local_keras_home", list(path = v))),
  lapply(bad_strings, function(v) list("with_keras_home", list(code = NULL, path = v))),
  lapply(c(bad_strings, list("theanoo", "Jax")),
         function(v) list("local_backend", list(backend = v))),
  lapply(c(bad_strings, list("theanoo", "Jax")),
         function(v) list("with_backend", list(code = NULL, backend = v))),
  lapply(Filter(Negate(is.null), bad_numbers),
         function(v) list("local_keras_config", list(epsilon = v))),
  lapply(c(Filter(Negate(is.null), bad_strings), list("float8")),
         function(v) list("local_keras_config", list(floatx = v))),
  lapply(c(Filter(Negate(is.null), bad_strings), list("channels_middle")),
         function(v) list("local_keras_config", list(image_data_format = v))),
  lapply(list(NULL, list(), "epsilon", list(1e-3), list(eps = 1e-3), c(epsilon = 1e-3)),
         function(v) list("with_keras_config", list(code = NULL, new = v))),
  lapply(c(bad_strings, list("theanoo", "Jax")),
         function(v) list("skip_if_no_backend", list(backend = v))),
  lapply(Filter(Negate(is.null), c(bad_strings, list(c("jax", NA), c("jax", "theanoo")))),
         function(v) list("for_each_backend", list(code = NULL, desc = "d", backends = v))),
  lapply(bad_strings, function(v) list("for_each_backend",
                                       list(code = NULL, backends = "jax", desc = v)))
)

session_state <- function(home) {
  list(file = read_bytes(file.path(home, "keras.json")), backend = backend(),
       in_keras = backend_in_session(), epsilon = k_epsilon(), floatx = k_floatx(),
       format = k_image_data_format(), path = keras_config_path())
}

test_that("bad arguments: classed error naming the argument, and no state change", {
  home <- local_test_home()
  write_config(home, '{"backend": "tensorflow", "epsilon": 1e-07, "mine": [1]}')
  quietly(use_backend("tensorflow", persist = FALSE))
  before <- session_state(home)
  for (case in bad_calls) {
    fn <- case[[1]]
    arg <- names(case[[2]])[length(case[[2]])]
    label <- sprintf("%s(%s = %s)", fn, arg, paste(deparse(case[[2]][[arg]]), collapse = ""))
    err <- tryCatch(do.call(fn, case[[2]]), error = identity)
    expect_s3_class(err, "kswitch_error_invalid_argument")
    if (inherits(err, "error")) {
      expect_match(conditionMessage(err), paste0("`", arg, "`"), fixed = TRUE, label = label)
      expect_equal(err$argument, arg, label = label)
    }
    expect_identical(session_state(home), before, label = label)
  }
  expect_gt(length(bad_calls), 100)
})

test_that("unknown and mis-cased backend names say what is valid and suggest the fix", {
  local_test_home()
  err <- expect_error(use_backend("Jax"), class = "kswitch_error_backend_unknown")
  expect_match(conditionMessage(err), "Did you mean \"jax\"?", fixed = TRUE)
  expect_match(conditionMessage(err), "\"tensorflow\", \"jax\", \"torch\"", fixed = TRUE)
  expect_equal(err$value, "Jax")
  err <- expect_error(k_set_floatx("Float32"), class = "kswitch_error_invalid_argument")
  expect_match(conditionMessage(err), "Did you mean \"float32\"?", fixed = TRUE)
})
