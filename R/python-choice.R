# Which Python this session binds, and who chose it: reticulate's own order, asked of
# reticulate (see reticulate-compat.R), never re-implemented. kswitch binds its environments
# only where reticulate would fall back to a default (see bind_python()).

#' The kind of Python this R session has, or will have
#'
#' Which Python the session binds decides how a backend is made available and what kswitch
#' may change. kswitch asks reticulate, which chooses in its own order (see the README's
#' table "Which Python kswitch uses"): `RETICULATE_PYTHON`, a `use_python()`,
#' `use_virtualenv()` or `use_condaenv()` call with `required = TRUE`, an activated
#' `VIRTUAL_ENV`, a project's `./.venv` (or poetry, pipenv), and only then the defaults:
#' kswitch's own environment (built by [install_backends()]) where it exists, else
#' reticulate's managed Python (an ephemeral environment uv builds from
#' `reticulate::py_require()` declarations; most keras3 users have it). The user's choice
#' always wins; where kswitch binds its environment over reticulate's default it says so
#' once (a `kswitch_message_python_bound` message).
#'
#' Before Python starts it is the Python reticulate will bind; after, the one it bound, by
#' `reticulate::py_config()`. Starts no Python in this session (reticulate may run a
#' candidate in a child process to check it, about 0.2 s, asked again only when what it
#' depends on changed).
#'
#' On managed Python every switch ([use_backend()], the scopes, the knitr chunk option,
#' [carry_model()], [compare_backends()]) first requests what keras3's own
#' `use_backend()` requests for the backend with `py_require()`: free before Python
#' starts, a new environment layer (a few seconds from uv's cache) after.
#'
#' @returns A string naming the kind: `"managed"` (reticulate's managed Python),
#'   `"kswitch"` (one of kswitch's environments, however chosen), `"RETICULATE_PYTHON"`
#'   (named by that variable), `"use_python"` (a required `use_python()`,
#'   `use_virtualenv()`, `use_condaenv()`, or `RETICULATE_PYTHON_ENV`), `"VIRTUAL_ENV"` (an
#'   activated virtualenv), `"project"` (the working directory's `./.venv`, `./venv`, poetry
#'   or pipenv environment) or `"other"` (another default reticulate found: `r-reticulate`,
#'   `RETICULATE_PYTHON_FALLBACK`, the `PATH`).
#' @family backends
#' @export
#' @examples
#' python_kind()
python_kind <- function() python_choice()$kind

# The session's Python: list(kind = python_kind(), by = who chose it (see
# reticulate_chooser(); "managed" for an explicit opt-in, "kswitch" once kswitch bound its
# environment), python = its path (NULL for managed Python before it starts)). Fixed once
# Python started.
python_choice <- function() {
  if (!is.null(.kswitch$started_choice)) return(.kswitch$started_choice)
  if (reticulate::py_available(initialize = FALSE)) {
    .kswitch$started_choice <- started_choice()
    return(.kswitch$started_choice)
  }
  if (!is.null(.kswitch$bound)) {
    return(list(kind = "kswitch", by = "kswitch", python = env_python(.kswitch$bound)))
  }
  choice <- reticulate_choice()
  if (identical(choice$by, "default") && kswitch_env_exists()) {  # bind_python() will
    pythons <- c(env_python(default_envname()), env_python(default_legacy_envname()))
    return(list(kind = "kswitch", by = "default", python = pythons[file.exists(pythons)][1]))
  }
  choice
}

# What reticulate alone would bind now (before Python starts), asked again only when what its
# answer depends on changed.
reticulate_choice <- function() {
  key <- discovery_key()
  if (!identical(key, .kswitch$choice_key)) {
    .kswitch$choice <- choice_of(reticulate_discovery())
    .kswitch$choice_key <- key
  }
  .kswitch$choice
}

# Python started: what reticulate bound, and why.
started_choice <- function() {
  config <- reticulate::py_config()
  if (isTRUE(config$ephemeral)) {
    return(list(kind = "managed", by = if (managed_opt() == "in") "managed" else "default",
                python = config$python))
  }
  by <- if (!is.null(.kswitch$bound)) "kswitch" else reticulate_chooser(config$forced)
  list(kind = kind_of(config$python, by), by = by, python = config$python)
}

# Before Python starts, from reticulate's discovery (NULL: the managed default, or none).
choice_of <- function(config) {
  if (inherits(config, "kswitch_discovery_error")) {
    return(list(kind = "other", by = "default", python = NULL, error = config$error))
  }
  if (is.null(config$python)) {
    managed <- has_py_require() && managed_opt() != "out"
    return(list(kind = if (managed) "managed" else "other",
                by = if (managed_opt() == "in") "managed" else "default", python = NULL))
  }
  by <- reticulate_chooser(config$forced)
  list(kind = kind_of(config$python, by), by = by, python = config$python)
}

kind_of <- function(python, by) {
  if (is_kswitch_env(dirname(dirname(python)))) return("kswitch")
  if (by %in% c("RETICULATE_PYTHON", "use_python", "VIRTUAL_ENV", "project")) by else "other"
}

is_kswitch_env <- function(dir) {
  envs <- dirname(dirname(c(env_python(default_envname()), env_python(default_legacy_envname()))))
  normalizePath(dir, mustWork = FALSE) %in% normalizePath(envs, mustWork = FALSE)
}

kswitch_env_exists <- function() {
  file.exists(env_python(default_envname())) || file.exists(env_python(default_legacy_envname()))
}

# Whether the session may be on managed Python, without asking reticulate where the answer
# is plain: where kswitch's environment exists, only an explicit opt-in gives managed Python
# (a default becomes kswitch's environment, any other choice is not managed).
maybe_managed <- function() {
  if (!has_py_require()) return(FALSE)  # no managed Python before reticulate 1.41
  if (python_started()) return(identical(python_kind(), "managed"))
  if (managed_opt() == "in") return(TRUE)
  if (nzchar(Sys.getenv("RETICULATE_PYTHON")) || kswitch_env_exists()) return(FALSE)
  identical(python_kind(), "managed")
}

describe_choice <- function(choice) {
  python <- if (is.null(choice$python)) "" else sprintf(" (%s)", choice$python)
  switch(choice$kind,
    managed = "reticulate's managed Python",
    kswitch = paste0("kswitch's own environment", python, ", built by install_backends()"),
    RETICULATE_PYTHON = paste0("the Python RETICULATE_PYTHON names", python),
    use_python = paste0("the Python chosen with use_python(required = TRUE)", python),
    VIRTUAL_ENV = paste0("the activated virtualenv", python),
    project = paste0("the project's own environment", python),
    paste0("the Python reticulate found", python))
}
