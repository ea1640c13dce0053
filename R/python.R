# The bridge to kswitch's Python core: which Python to bind, and how its errors come back.

python_dir <- function() system.file("python", package = "kswitch")

default_envname <- function() getOption("kswitch.envname", "r-keras")

# Before Python starts: RETICULATE_PYTHON wins (reticulate reads it), else kswitch's env.
bind_python <- function() {
  if (reticulate::py_available(initialize = FALSE)) return(invisible())
  if (nzchar(Sys.getenv("RETICULATE_PYTHON"))) return(invisible())
  envname <- default_envname()
  if (reticulate::virtualenv_exists(envname)) {
    reticulate::use_virtualenv(envname, required = TRUE)
  }
  invisible()
}

core <- function() {
  if (is.null(.kswitch$core)) {
    bind_python()
    .kswitch$core <- reticulate::import_from_path("kswitch.api", path = python_dir())
  }
  .kswitch$core
}

python_started <- function() reticulate::py_available(initialize = FALSE)

# Call an entry point of the Python core; a kswitch error becomes a classed R condition
# raised from the exported function that called this one.
core_call <- function(fn, ..., call = rlang::caller_env()) {
  out <- core()$r_call(fn, ...)
  if (!is.null(out$error)) abort_python(out$error, call = call)
  out$value
}

abort_python <- function(error, call) {
  bullets <- vapply(error$bullets, function(b) b[[2]], "")
  names(bullets) <- vapply(error$bullets, function(b) b[[1]], "")
  rlang::abort(c(error$message, bullets), class = unlist(error$classes),
               argument = error$argument, value = error$value, path = error$path,
               call = call)
}

# Python lists holding None come back as R lists holding NULL.
as_column <- function(x, type) {
  vapply(x, function(v) if (is.null(v)) type[NA_integer_] else v, type, USE.NAMES = FALSE)
}
