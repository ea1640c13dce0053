# The bridge to kswitch's Python core: which Python to bind, how to call the core, and how
# to run a child Python.

python_dir <- function() system.file("python", package = "kswitch")

default_envname <- function() getOption("kswitch.envname", "r-keras")

# Multi-backend Keras 2.3.1 (theano, cntk, TensorFlow 1.14) lives in its own Python 3.6 env.
default_legacy_envname <- function() getOption("kswitch.legacy_envname", "r-keras-legacy")

# The Python of environment `envname`: a name under reticulate's virtualenv root, or a path.
# The Makefile and bench/ ask for it too (`kswitch:::env_python("r-keras")`).
env_python <- function(envname) {
  env <- if (grepl("/", envname, fixed = TRUE)) path.expand(envname) else
    file.path(path.expand(reticulate::virtualenv_root()), envname)
  file.path(env, "bin", "python")
}

# Before Python starts, kswitch binds its own environment for the Keras generation asked for
# (keras3 and keras 2.x ask for theirs), or else for the one that has `backend` (by default
# the one Keras would start on), but only where reticulate would fall back to a default: the
# user's choice of Python always wins (see python_choice()). Where kswitch's binding differs
# from what reticulate alone would pick, it says so, once.
bind_python <- function(backend = NULL, generation = NULL) {
  if (python_started() || !is.null(.kswitch$bound)) return(invisible())
  choice <- reticulate_choice()
  if (!identical(choice$by, "default")) return(invisible())
  envname <- default_envname()
  if (isNamespaceLoaded("keras3")) generation <- generation %||% 3L  # keras3 runs on Keras 3
  if (file.exists(env_python(default_legacy_envname())) &&
      identical(generation %||% generation_needed(backend), 2L)) {
    envname <- default_legacy_envname()
  }
  python <- env_python(envname)
  if (!file.exists(python)) return(invisible())
  # Required, even where reticulate's own answer is this environment: its answer can change
  # with the module it is asked to import (reticulate 1.28 prefers a Python that has it).
  reticulate::use_virtualenv(envname, required = TRUE)
  if (!same_python(python, choice$python)) inform_bound(envname, choice)
  .kswitch$bound <- envname  # reticulate binds it when Python starts: ask only once
  invisible()
}

same_python <- function(a, b) {
  !is.null(b) && identical(normalizePath(a, mustWork = FALSE), normalizePath(b, mustWork = FALSE))
}

inform_bound <- function(envname, choice) {
  inform_kswitch(c(
    i = sprintf("kswitch binds its environment %s (%s) for Keras; reticulate alone would use %s.",
                quoted(envname), env_python(envname), describe_choice(choice)),
    i = paste("To use another Python, choose it before Keras first loads: RETICULATE_PYTHON",
              '("managed" for reticulate\'s managed Python), or',
              "`reticulate::use_virtualenv(..., required = TRUE)`.")
  ), class = "kswitch_message_python_bound")
}

# Which Keras generation `backend` (or the start-up backend) needs, by the Python registry's
# rule, asked of a Python child (the core is stdlib-only): R must know before binding one.
generation_needed <- function(backend = NULL) {
  pythons <- c(env_python(default_envname()), env_python(default_legacy_envname()))
  python <- pythons[file.exists(pythons)][1]
  out <- run_python(python, c("-m", "kswitch.bind", "generation", backend))
  if (out$status != 0) return(3L)
  as.integer(trimws(out$stdout))
}

# Every child Python kswitch starts: without a shell, with R's LD_LIBRARY_PATH removed (the
# child must load its own libpython, not Debian's) and the core alone on PYTHONPATH.
run_python <- function(python, args, ...) {
  env <- unclass(Sys.getenv())
  env <- env[names(env) != "LD_LIBRARY_PATH"]
  env[["PYTHONPATH"]] <- python_dir()
  processx::run(python, args, env = env, error_on_status = FALSE, ...)
}

# Sets (NA: unsets) an environment variable where Python sees it: once Python runs, R's
# Sys.setenv() does not reach os.environ, while os.environ's changes reach R. Returns the old
# value.
set_env_var <- function(name, value) {
  old <- Sys.getenv(name, unset = NA)
  if (python_started()) {
    environ <- reticulate::import("os", convert = FALSE)$environ
    if (is.na(value)) environ$pop(name, NULL) else environ$`__setitem__`(name, value)
  } else if (is.na(value)) {
    Sys.unsetenv(name)
  } else {
    do.call(Sys.setenv, stats::setNames(list(value), name))
  }
  old
}

core <- function() {
  if (is.null(.kswitch$core)) {
    bind_python()
    .kswitch$core <- reticulate::import_from_path("kswitch.api", path = python_dir())
    choice <- python_choice()  # for the fixes the core's errors give
    core_call("set_python_kind", choice$kind, by = choice$by, python = choice$python)
    # A KERAS_BACKEND set in this session (keras3::use_backend(), Sys.setenv()) is the user's
    # choice for it, not one that overrides keras.json in new sessions.
    if (nzchar(Sys.getenv("KERAS_BACKEND")) && !env_var_set_at_start("KERAS_BACKEND")) {
      core_call("keras_backend_set_in_session")
    }
  }
  .kswitch$core
}

# The Keras generation of the bound Python: 2 (multi-backend Keras 2.3.1) or 3.
python_generation <- function() core_call("keras_generation")

# A started Python stays started, and python_choice() records that it has: asking reticulate
# again costs more than all of a switch's argument checks.
python_started <- function() {
  !is.null(.kswitch$started_choice) || reticulate::py_available(initialize = FALSE)
}

# Call an entry point of the Python core; a kswitch error becomes a classed R condition
# raised from the exported function that called this one. When the call changed the active
# Keras module tree (a switch, a scope, a first import, a rollback), keras3 and keras follow.
core_call <- function(fn, ..., call = rlang::caller_env()) {
  # Taken once: `$` on a Python module costs about 80 us, half of a getter's call.
  r_call <- .kswitch$r_call %||% (.kswitch$r_call <- core()$r_call)
  out <- reticulate::py_call(r_call, fn, ...)  # r_call(...) would capture the arguments slower
  if (!identical(out$tree, .kswitch$tree)) follow_keras_tree(out$tree)
  if (!is.null(out$warnings)) warn_python(out$warnings)
  if (!is.null(out$error)) abort_python(out$error, call = call)
  out$value
}

# Python lists holding None come back as R lists holding NULL.
as_column <- function(x, type) {
  vapply(x, function(v) if (is.null(v)) type[NA_integer_] else v, type, USE.NAMES = FALSE)
}
