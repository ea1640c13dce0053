# reticulate's managed Python (reticulate >= 1.41): an ephemeral environment uv builds from
# the `py_require()` manifest when Python starts, and layers again for each requirement added
# later. Before every switch kswitch requests what keras3's own use_backend() requests for the
# backend (packages and uv's variables), added to what the session already requested.

# Before a switch to `backend` on managed Python: adds the backend's request that the session
# lacks. reticulate turns a failed request from a package into a warning; kswitch makes it a
# kswitch_error_backend_unavailable naming the requirements and uv's own reason, with nothing
# changed (the switch has not begun): the manifest and uv's variables are put back.
# Returns what to undo if the switch itself then fails (see undo_request()).
# `retry` is what a user does again, as they wrote it ("call `use_backend(\"jax\")`");
# `request`, one already asked of the core. Once Python runs, a backend whose request is met
# stays met: a switch back asks nothing.
request_backend <- function(backend, gpu = NA, argument = "backend", retry = NULL,
                            request = NULL, call = rlang::caller_env()) {
  if (!is.character(backend) || length(backend) != 1 || is.na(backend)) return(invisible())
  met <- paste(backend, gpu)
  if (met %in% .kswitch$requests_met || !maybe_managed()) return(invisible())
  declared <- py_require()$packages
  request <- request %||% core_child_call(
    "managed_request", backend, gpu = if (!is.na(gpu)) gpu, declared = as.list(declared),
    keras3_dir = keras3_dir(), argument = argument, .call = call)
  undo <- list(declared = declared, env = apply_request_env(request), met = met)
  packages <- unlist(request$packages)
  if (!length(packages)) return(invisible(request_met(undo)))
  reason <- NULL
  ok <- tryCatch(withCallingHandlers(
    {
      py_require(packages)
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
    uv_said <- uv_reason(c(declared, packages))  # before uv's variables are put back
    undo_request(undo)
    core_child_call("managed_request_failed", backend, as.list(packages),
                    uv_said %||% paste(reason, collapse = "\n"), argument = argument,
                    retry = retry %||% sprintf("call `use_backend(%s%s)`", quoted(backend),
                                               if (is.na(gpu)) "" else sprintf(", gpu = %s", gpu)),
                    .call = call)
  }
  invisible(request_met(undo))
}

request_met <- function(undo) {
  if (python_started()) .kswitch$requests_met <- union(.kswitch$requests_met, undo$met)
  undo
}

# uv's variables as keras3 sets them: entries appended once, space-separated; values set.
# Returns their old values.
apply_request_env <- function(request) {
  names <- unique(c(vapply(request$append, `[[`, "", 1), vapply(request$set, `[[`, "", 1)))
  old <- lapply(stats::setNames(names, names), Sys.getenv, unset = NA)
  for (entry in request$append) {
    have <- strsplit(Sys.getenv(entry[[1]]), " ", fixed = TRUE)[[1]]
    have <- have[nzchar(have)]
    if (!entry[[2]] %in% have) set_env_var(entry[[1]], paste(c(have, entry[[2]]), collapse = " "))
  }
  for (entry in request$set) set_env_var(entry[[1]], entry[[2]])
  old
}

# After a failed request, or a switch that failed after its request: py_require()'s list and
# uv's variables as they were.
undo_request <- function(undo) {
  if (is.null(undo)) return(invisible())
  .kswitch$requests_met <- setdiff(.kswitch$requests_met, undo$met)
  added <- setdiff(py_require()$packages, undo$declared)
  if (length(added)) {
    try(suppressWarnings(py_require(added, action = "remove")), silent = TRUE)
  }
  for (name in names(undo$env)) set_env_var(name, undo$env[[name]])
  invisible()
}

# uv's own reason for failing to resolve `packages` (reticulate prints it to the console, not
# into its error): the same resolution, by uv, with its output kept. NULL when uv cannot be
# found or resolves them (a failure that was not the resolution's).
uv_reason <- function(packages) {
  uv <- reticulate_uv()
  if (is.null(uv)) return(NULL)
  # The session's Python version (its interpreter, a layered environment's, may show uv
  # another Python's).
  version <- if (python_started()) as.character(reticulate::py_config()$version)
  file <- tempfile("kswitch-requirements-", fileext = ".txt")
  on.exit(unlink(file), add = TRUE)
  writeLines(packages, file)
  out <- tryCatch(
    run_python(uv, c("pip", "compile", "--quiet", "--no-header", "--color", "never",
                     if (!is.null(version)) c("--python-version", version), file),
               timeout = 120),
    error = function(e) NULL)
  if (is.null(out) || out$status == 0) return(NULL)
  uv_summary(strsplit(out$stderr, "\n", fixed = TRUE)[[1]])
}

# uv explains a failed resolution step by step, in dozens of lines: its verdict, the lines
# about Python versions and the network, and its hints say why.
uv_summary <- function(lines) {
  lines <- trimws(lines[nzchar(trimws(lines))])
  keep <- grepl("^(error|hint|warning|cause):", lines) |
    grepl("Python version|network|offline", lines, ignore.case = TRUE)
  picked <- unique(if (any(keep)) lines[keep] else utils::tail(lines, 3))
  if (length(picked)) paste(picked, collapse = " ")
}

# keras3's installed folder, where its uv files are (its constraints and the override that
# keeps "tensorflow" from replacing "tensorflow-cpu"); NULL without keras3.
keras3_dir <- function() {
  if (is.null(.kswitch$keras3_dir)) .kswitch$keras3_dir <- system.file(package = "keras3")
  if (nzchar(.kswitch$keras3_dir)) .kswitch$keras3_dir
}

# A core entry point that imports no Keras, called before the session's Python starts in a
# child Python (the core is stdlib-only: asking starts nothing here), else in the session.
# Errors become classed conditions raised from `.call`, as core_call()'s do.
core_child_call <- function(fn, ..., .call = rlang::caller_env()) {
  if (python_started()) return(core_call(fn, ..., call = .call))
  args <- list(...)
  named <- nzchar(names(args) %||% rep("", length(args)))
  choice <- python_choice()
  python_label <- choice$python %||% describe_choice(choice)
  request <- list(fn = fn, args = unname(args[!named]), kwargs = args[named],
                  session = list(kind = choice$kind, by = choice$by, python = python_label))
  json <- jsonlite::toJSON(request, auto_unbox = TRUE, null = "null")
  out <- run_python(starter_python(), c("-m", "kswitch.bind", "call", json))
  if (out$status != 0) {
    abort_kswitch(c(sprintf("kswitch's core could not run in %s.", starter_python()),
                    x = one_line(out$stderr)), call = .call)
  }
  answer <- jsonlite::fromJSON(out$stdout, simplifyVector = FALSE)
  if (!is.null(answer$error)) abort_python(answer$error, call = .call)
  answer$value
}

# Any Python 3 runs the stdlib-only core before reticulate's Python exists.
starter_python <- function() {
  python <- Sys.which(c("python3", "python"))
  python[nzchar(python)][1]
}

describe_kind <- function(kind) describe_choice(list(kind = kind))

# reticulate >= 1.41's py_require(), looked up when used: Debian's reticulate 1.28 has none
# (and R CMD check would flag the reference).
py_require <- function(...) getExportedValue("reticulate", "py_require")(...)
