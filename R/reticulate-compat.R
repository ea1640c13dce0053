# What kswitch reads of reticulate beyond its documented API, in one place. Each read is
# checked when used; where reticulate has moved, a classed warning once
# (kswitch_warning_reticulate_changed) and a safe fallback. Checked against reticulate 1.28
# (Debian) and 1.46.0 (CRAN).

# reticulate's own choice of Python, made now without starting it: py_discover_config()
# (exported) follows reticulate's order and names why in `forced`. It may run a candidate
# Python in a child process (about 0.2 s); NULL where reticulate would build its managed
# Python (it builds that only while Python initialises) or found none.
reticulate_discovery <- function() {
  tryCatch(reticulate::py_discover_config(), error = function(e) {
    structure(list(error = conditionMessage(e)), class = "kswitch_discovery_error")
  })
}

# Why reticulate chose a Python (`forced` of py_discover_config() or py_config()), as who
# chose it: "RETICULATE_PYTHON", "use_python" (a required use_python(), use_virtualenv(),
# use_condaenv() or RETICULATE_PYTHON_ENV), "VIRTUAL_ENV", "project" (./.venv and the like,
# poetry, pipenv), "process" (Python already in this process), or "default" (a
# package's delay-load environment such as keras3's "r-keras", an optional use_python(),
# RETICULATE_PYTHON_FALLBACK, "r-reticulate", the PATH: what reticulate falls back to).
# reticulate 1.28 says "use_python function", 1.46 "use_python() function".
reticulate_chooser <- function(forced) {
  forced <- forced %||% ""
  if (identical(forced, "RETICULATE_PYTHON")) return("RETICULATE_PYTHON")
  if (identical(forced, "RETICULATE_PYTHON_ENV") ||
      (startsWith(forced, "use_python") && !grepl("required = FALSE", forced, fixed = TRUE))) {
    return("use_python")
  }
  if (identical(forced, "VIRTUAL_ENV")) return("VIRTUAL_ENV")
  if (forced %in% c("Poetry", "Pipfile") ||
      grepl("existing in the current working directory", forced, fixed = TRUE)) {
    return("project")
  }
  if (forced %in% c("the current process", "PYTHON_SESSION_INITIALIZED")) return("process")
  "default"
}

# The user opted in to managed Python (reticulate >= 1.41): RETICULATE_PYTHON="managed" or
# RETICULATE_USE_MANAGED_VENV; or out of it.
managed_opt <- function() {
  if (identical(Sys.getenv("RETICULATE_PYTHON"), "managed")) return("in")
  opt <- tolower(Sys.getenv("RETICULATE_USE_MANAGED_VENV"))
  if (opt %in% c("true", "1", "yes")) "in" else if (opt %in% c("false", "0", "no")) "out" else ""
}

# Asked on every switch: packageVersion() reads the DESCRIPTION file each time (0.4 ms).
has_py_require <- function() {
  .kswitch$has_py_require %||%
    (.kswitch$has_py_require <- utils::packageVersion("reticulate") >= "1.41")
}

# What reticulate's discovery depends on, so an answer is asked again only when one changed:
# its environment variables, the working directory (a project's ./.venv), the packages that
# declared delay-load environments (keras3, keras) and reticulate's record of a required
# use_python() (internal: `.globals$required_python_version`).
discovery_key <- function() {
  list(Sys.getenv(c("RETICULATE_PYTHON", "RETICULATE_PYTHON_ENV", "VIRTUAL_ENV",
                    "RETICULATE_USE_MANAGED_VENV", "RETICULATE_PYTHON_FALLBACK")),
       getwd(), isNamespaceLoaded("keras3"), isNamespaceLoaded("keras"),
       reticulate_required_python())
}

reticulate_required_python <- function(ns = asNamespace("reticulate")) {
  globals <- get0(".globals", envir = ns, inherits = FALSE)
  if (!is.environment(globals)) {
    upstream_changed("reticulate", "`.globals` (its record of `use_python(required = TRUE)`)",
                     "kswitch asks reticulate which Python it will bind each time, not once.")
    return(stats::runif(1))  # never equal: ask again
  }
  globals$required_python_version
}

# uv as reticulate finds it (RETICULATE_UV, the option, the PATH, its own copy), without
# installing one: internal `uv_binary(bootstrap_install = FALSE)`.
reticulate_uv <- function(ns = asNamespace("reticulate")) {
  uv_binary <- get0("uv_binary", envir = ns, inherits = FALSE)
  if (!is.function(uv_binary) || !"bootstrap_install" %in% names(formals(uv_binary))) {
    upstream_changed("reticulate", "`uv_binary(bootstrap_install)`",
                     "A failed request shows uv's output above instead of in the error.")
    return(NULL)
  }
  uv <- tryCatch(uv_binary(bootstrap_install = FALSE), error = function(e) NULL)
  if (is.character(uv) && length(uv) == 1 && file.exists(uv)) uv
}

# A module object is an environment: `pyobj` holds the module once resolved; a delay-load
# proxy (import(..., delay_load = TRUE)) holds its name in `module` until first used, and its
# hooks (`before_load`, ...) beside it. kswitch points the R Keras packages' module objects
# at the active tree through these fields (see follow_keras_tree()).
proxy_state <- function(proxy) {
  if (exists("module", envir = proxy, inherits = FALSE)) return("unresolved")
  if (exists("pyobj", envir = proxy, inherits = FALSE)) return("resolved")
  upstream_changed("reticulate", "module objects' `pyobj` and `module` fields", paste(
    "keras3 and keras keep running on the backend Keras first loaded on; their objects still",
    "run on their own backend."))
  NULL
}

# Back to a proxy: resolved again, by `module`'s name, when next used.
proxy_unresolve <- function(proxy, module) {
  rm("pyobj", envir = proxy)
  assign("module", module, envir = proxy)
}

proxy_point <- function(proxy, active) assign("pyobj", get("pyobj", envir = active), envir = proxy)

# reticulate keeps a proxy's unused hooks as NULL bindings; keras3's `ops` has its own.
proxy_before_load <- function(proxy, hook) {
  if (!is.function(get0("before_load", envir = proxy, inherits = FALSE))) {
    assign("before_load", hook, envir = proxy)
  }
}
