# reticulate's managed Python (reticulate >= 1.41): an ephemeral environment uv builds from
# the `py_require()` manifest when Python starts, and layers again for each requirement added
# later. kswitch requests the target backend there before every switch.

#' The kind of Python this R session has, or will have
#'
#' Which Python the session binds decides how a backend is made available: reticulate's
#' managed Python (`"managed"`, an ephemeral environment that uv builds from
#' `reticulate::py_require()` declarations; most keras3 users have it), kswitch's own
#' environment (`"kswitch"`, built by [install_backends()]), a Python named by
#' `RETICULATE_PYTHON` (`"RETICULATE_PYTHON"`), or another one reticulate found
#' (`"other"`). Before Python starts it is what reticulate will choose; after, what it
#' chose (`reticulate::py_config()$ephemeral`). Starts nothing.
#'
#' On managed Python every switch ([use_backend()], the scopes, the knitr chunk option,
#' [carry_model()], [compare_backends()]) first requests the backend's packages with
#' `py_require()`, the same strings keras3's own `use_backend()` declares: free before
#' Python starts, a new environment layer (a few seconds from uv's cache) after.
#'
#' @returns A string: `"managed"`, `"kswitch"`, `"RETICULATE_PYTHON"` or `"other"`.
#' @family backends
#' @export
#' @examples
#' python_kind()
python_kind <- function() {
  if (!is.null(.kswitch$started_kind)) return(.kswitch$started_kind)  # fixed once started
  if (python_started()) {
    config <- reticulate::py_config()
    .kswitch$started_kind <- if (isTRUE(config$ephemeral)) "managed"
      else if (!is.null(.kswitch$bound)) "kswitch"
      else if (nzchar(Sys.getenv("RETICULATE_PYTHON"))) "RETICULATE_PYTHON"
      else "other"
    return(.kswitch$started_kind)
  }
  if (!has_py_require()) return(if (nzchar(Sys.getenv("RETICULATE_PYTHON")))
    "RETICULATE_PYTHON" else if (kswitch_env_exists()) "kswitch" else "other")
  python <- Sys.getenv("RETICULATE_PYTHON")
  if (identical(python, "managed")) return("managed")
  if (nzchar(python)) return("RETICULATE_PYTHON")
  # In reticulate's order: use_python() (kswitch's binding), the managed-venv opt-in, an
  # activated virtualenv (R started from one, or a child of a session bound to one).
  if (!is.null(.kswitch$bound)) return("kswitch")
  if (tolower(Sys.getenv("RETICULATE_USE_MANAGED_VENV")) %in% c("true", "1", "yes")) {
    return("managed")
  }
  venv <- Sys.getenv("VIRTUAL_ENV")
  if (nzchar(venv) && file.exists(file.path(venv, "bin", "python"))) {
    return(if (is_kswitch_env(venv)) "kswitch" else "other")
  }
  if (kswitch_env_exists()) return("kswitch")
  if (tolower(Sys.getenv("RETICULATE_USE_MANAGED_VENV")) %in% c("false", "0", "no") ||
      nzchar(Sys.getenv("RETICULATE_PYTHON_ENV")) ||
      reticulate::virtualenv_exists("r-reticulate")) {
    return("other")
  }
  "managed"
}

has_py_require <- function() {
  utils::packageVersion("reticulate") >= "1.41"
}

is_kswitch_env <- function(dir) {
  envs <- dirname(dirname(c(env_python(default_envname()), env_python(default_legacy_envname()))))
  normalizePath(dir, mustWork = FALSE) %in% normalizePath(envs, mustWork = FALSE)
}

kswitch_env_exists <- function() {
  file.exists(env_python(default_envname())) || file.exists(env_python(default_legacy_envname()))
}

# Before a switch to `backend` on managed Python: adds keras3's requirements for it that the
# manifest lacks. reticulate turns a failed request from a package into a warning; kswitch
# makes it a kswitch_error_backend_unavailable naming the requirements and uv's message, with
# nothing changed (the switch has not begun).
request_backend <- function(backend, gpu = NA, argument = "backend",
                            call = rlang::caller_env()) {
  if (!is.character(backend) || length(backend) != 1 || is.na(backend)) return(invisible())
  if (!identical(python_kind(), "managed")) return(invisible())
  declared <- py_require()$packages
  requirements <- managed_requirements(backend, gpu, declared, argument, call)
  if (!length(requirements)) return(invisible())
  reason <- NULL
  ok <- tryCatch(withCallingHandlers(
    {
      py_require(requirements)
      TRUE
    },
    warning = function(w) {
      reason <<- c(reason, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  ), error = function(e) {
    reason <<- c(reason, conditionMessage(e))
    FALSE
  })
  if (!isTRUE(ok) || length(reason)) {
    # What reticulate added to its manifest before it failed is taken out again.
    added <- setdiff(py_require()$packages, declared)
    if (length(added)) try(suppressWarnings(py_require(added, action = "remove")),
                           silent = TRUE)
    abort_request(backend, requirements, paste(reason, collapse = "\n"), argument, call)
  }
  invisible(requirements)
}

# The requirements, by the core's table: asked of the running core, or before Python starts
# of a child Python (the core is stdlib-only), so asking starts nothing.
managed_requirements <- function(backend, gpu, declared, argument, call) {
  if (python_started()) {
    return(unlist(core_call("managed_request", backend, gpu = isTRUE(gpu),
                            declared = as.list(declared), argument = argument, call = call)))
  }
  out <- run_python(starter_python(), c("-m", "kswitch.bind", "managed", backend,
                                        tolower(isTRUE(gpu)), declared))
  if (out$status != 0) return(character())
  answer <- jsonlite::fromJSON(out$stdout, simplifyVector = FALSE)
  if (!is.null(answer$error)) abort_python(answer$error, call = call)
  unlist(answer$value)
}

abort_request <- function(backend, requirements, reason, argument, call) {
  if (python_started()) {
    core_call("managed_request_failed", backend, as.list(requirements), reason,
              argument = argument, call = call)
  }
  out <- run_python(starter_python(), c("-m", "kswitch.bind", "request-failed", backend,
                                        reason, requirements))
  answer <- jsonlite::fromJSON(out$stdout, simplifyVector = FALSE)
  abort_python(answer$error, call = call)
}

# Any Python 3 runs the stdlib-only core before reticulate's Python exists.
starter_python <- function() {
  python <- Sys.which(c("python3", "python"))
  python[nzchar(python)][1]
}

describe_kind <- function(kind) {
  switch(kind,
    managed = "reticulate's managed Python (py_require(); kswitch requests each backend)",
    kswitch = "kswitch's own environment (install_backends())",
    RETICULATE_PYTHON = "the one RETICULATE_PYTHON names",
    "one reticulate found")
}

# reticulate >= 1.41's py_require(), looked up when used: Debian's reticulate 1.28 has none
# (and R CMD check would flag the reference).
py_require <- function(...) getExportedValue("reticulate", "py_require")(...)
