# Every exported function, every argument (the table is in helper-bad-arguments.R): bad
# values give a classed error that names the argument, and leave keras.json, the backend and
# the session settings as they were.

# Without Keras (CRAN's machines) the file and the backend's name; with it, the session too.
session_state <- function(home, keras) {
  state <- list(file = read_bytes(file.path(home, "keras.json")), backend = backend(),
                path = keras_config_path())
  if (!keras) return(state)
  c(state, list(in_keras = backend_in_session(), epsilon = k_epsilon(), floatx = k_floatx(),
                format = k_image_data_format()))
}

test_that("bad arguments: classed error naming the argument, and no state change", {
  home <- local_test_home()
  write_config(home, '{"backend": "tensorflow", "epsilon": 1e-07, "mine": [1]}')
  # Arguments are checked before Keras is needed: this runs where Keras is not, but for
  # carry_model(), whose valid arguments are a Keras model.
  keras <- keras_required() || backend_available("tensorflow")
  if (keras) quietly(use_backend("tensorflow", persist = FALSE))
  before <- session_state(home, keras)
  cases <- bad_argument_cases(if (keras) argument_table else
    Filter(function(row) row$fn != "carry_model", argument_table))
  for (case in cases) {
    arg <- case$arg
    label <- sprintf("%s(%s = %s)", case$fn, arg, paste(deparse(case$args[[arg]]), collapse = ""))
    err <- tryCatch(do.call(case$fn, case$args), error = identity)
    expect_true(inherits(err, "kswitch_error_invalid_argument"), info = label)
    if (inherits(err, "error")) {
      expect_match(conditionMessage(err), paste0("`", arg, "`"), fixed = TRUE, label = label)
      expect_equal(err$argument, arg, label = label)
    }
    expect_identical(session_state(home, keras), before, label = label)
  }
  expect_gt(length(cases), 100)
})

test_that("the table has a row for every exported function and every argument", {
  exports <- getNamespaceExports("kswitch")
  functions <- sort(exports[vapply(exports, function(f) is.function(getExportedValue("kswitch", f)),
                                   NA)])
  rows <- vapply(argument_table, function(row) row$fn, "")
  expect_equal(setdiff(functions, rows), character(0),
               label = "exported functions without a row in helper-bad-arguments.R")
  for (row in argument_table) {
    arguments <- as.character(setdiff(names(formals(getExportedValue("kswitch", row$fn))), "..."))
    expect_setequal(as.character(names(row$bad)), arguments)
  }
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
