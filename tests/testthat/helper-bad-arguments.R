# The bad-argument table: one row per exported function, listing for each argument the bad
# values to try. Adding an exported function means adding its row here; a test fails until
# every exported function and every argument has one. `make reliability` counts the cases.

bad <- list(
  string = list(1, TRUE, NA, NA_character_, NULL, character(0), c("a", "b"), "", list("a")),
  flag = list("yes", "TRUE", 1, NA, NULL, logical(0), c(TRUE, FALSE)),
  number = list("a", "1e-3", TRUE, NA, NA_real_, NULL, numeric(0), c(1e-3, 1e-4), -1, -1e-7, 0,
                Inf, -Inf, NaN),
  # Unknown, mis-cased, padded, and names of modules that must never be imported. ("theano"
  # and "cntk" are backends, of multi-backend Keras 2.3.1: test-legacy.R covers them.)
  backend_name = list("theanoo", "foo", "Jax", "TENSORFLOW", " jax", "jax ", "os",
                      "subprocess", "jax; rm -rf ~", "../jax", "keras", "keras2-jax"),
  whole = list("a", TRUE, NA, NA_real_, NULL, numeric(0), c(1, 2), 1.5, -1, Inf, NaN),
  fun = list(NULL, NA, "f", 1, list(function(x) x)),
  environment = list("a", 1, NA, NULL, list()),
  any = list()  # every value is valid (code to run)
)
optional <- function(values) Filter(Negate(is.null), values)  # NULL is the default

# `fn` called with `.valid`, except the argument under test, which gets each bad value.
# (`.fn`, not `fn`: an argument named `f` would partially match it.)
args_row <- function(.fn, ..., .valid = list()) list(fn = .fn, bad = list(...), valid = .valid)

argument_table <- list(
  args_row("use_backend", backend = c(bad$string, bad$backend_name), persist = bad$flag,
           gpu = Filter(function(x) !identical(x, NA), bad$flag),  # NA is gpu's default
           .valid = list(backend = "tensorflow")),
  args_row("backend"),
  args_row("k_backend"),
  args_row("backends"),
  args_row("keras_config"),
  args_row("python_kind"),
  args_row("keras_config_path"),
  args_row("repair_keras_config"),
  args_row("k_epsilon"),
  args_row("k_set_epsilon", e = bad$number, persist = bad$flag, .valid = list(e = 1e-3)),
  args_row("k_floatx"),
  args_row("k_set_floatx", floatx = c(bad$string, list("float8", "Float32", "double")),
           persist = bad$flag, .valid = list(floatx = "float32")),
  args_row("k_image_data_format"),
  args_row("k_set_image_data_format",
           data_format = c(bad$string, list("channels_middle", "Channels_Last")),
           persist = bad$flag, .valid = list(data_format = "channels_last")),
  args_row("k_clear_session"),
  args_row("k_shape", x = list("a", NA_character_, character(0), NULL, list(1, 2),
                               factor("a"))),
  args_row("keras_module"),
  args_row("install_backends", backends = c(bad$string, list("theanoo", "Jax", "keras2-jax")),
           envname = bad$string, python = bad$string[-5],  # NULL: the default
           extra_packages = bad$string[-c(5, 6, 7)],        # NULL, empty, several: valid
           legacy_envname = bad$string),
  args_row("local_keras_home", path = bad$string, .local_envir = bad$environment,
           .valid = list(path = "/nonexistent/kswitch-never-used")),
  args_row("with_keras_home", path = bad$string, code = bad$any, .valid = list(code = NULL)),
  args_row("local_backend", backend = c(bad$string, bad$backend_name),
           .local_envir = bad$environment, .valid = list(backend = "tensorflow")),
  args_row("with_backend", backend = c(bad$string, bad$backend_name), code = bad$any,
           .valid = list(code = NULL)),
  args_row("local_keras_config", epsilon = optional(bad$number),
           floatx = c(optional(bad$string), list("float8")),
           image_data_format = c(optional(bad$string), list("channels_middle")),
           .local_envir = bad$environment),
  args_row("with_keras_config", new = list(NULL, list(), "epsilon", list(1e-3),
                                           list(eps = 1e-3), c(epsilon = 1e-3)),
           code = bad$any, .valid = list(code = NULL)),
  args_row("skip_if_no_backend", backend = c(bad$string, bad$backend_name)),
  args_row("backend_available", backend = c(bad$string, bad$backend_name)),
  args_row("for_each_backend",
           backends = c(optional(bad$string), list(c("jax", NA), c("jax", "theanoo"))),
           desc = bad$string, code = bad$any,
           .valid = list(code = NULL, desc = "d", backends = "jax")),
  args_row("k_symbolic", f = bad$fun),
  args_row("k_eager", f = bad$fun),
  # The valid arguments make a comparison that would run: every bad one must stop it first.
  args_row("compare_backends", model = bad$fun,
           backends = c(optional(bad$string), bad$backend_name, list(c("jax", "Jax"))),
           repeats = c(optional(bad$whole), list(0)),
           isolate = c(optional(bad$string), list("thread", "Session", c("session", "x"))),
           seed = c(optional(bad$whole), list(-1)), verbose = bad$flag,
           .valid = list(model = function(keras, seed, step) c(loss = 1), backends = "jax",
                         repeats = 1, isolate = "session", verbose = FALSE)),
  args_row("tutorial_task", epochs = c(optional(bad$whole), list(0)),
           batch_size = c(optional(bad$whole), list(0))),
  args_row("tutorial_data", seed = Filter(function(v) !identical(v, -1), bad$whole)),
  # Quoted calls are evaluated when the case runs (a Keras object cannot be made here).
  args_row("carry_model",
           model = list(NULL, NA, "model", 1, list(), function(x) x,
                        quote(keras_module()$layers$Dense(1L)),  # a layer, not a model
                        quote(keras_module()$Sequential())),     # not built
           to = c(bad$string, bad$backend_name),
           .valid = list(model = quote(small_model()), to = "tensorflow"))
)

# Every case of the table: a function, the argument under test and the full argument list.
bad_argument_cases <- function(table = argument_table) {
  cases <- list()
  for (row in table) {
    for (arg in names(row$bad)) {
      for (value in row$bad[[arg]]) {
        args <- row$valid
        args[arg] <- list(value)  # keeps NULL as a value
        cases[[length(cases) + 1]] <- list(fn = row$fn, arg = arg, args = args)
      }
    }
  }
  cases
}
