#' Compare Keras backends on the same model: time, loss and accuracy
#'
#' Trains and evaluates the same model on several backends, `repeats` times each, and
#' returns what each run took and scored. By default this is the experiment of the
#' tutorial kswitch grew from ([tutorial_task()]): a small multilayer perceptron on
#' random data, timed on each backend. Run `i` is given the seed `seed + i - 1`, so every
#' backend sees the same data in its `i`-th run; the seed also goes to
#' the random generators (Keras 3's `keras.utils.set_random_seed()`) before the model
#' function runs, so each backend's runs
#' are reproducible (initial weights and dropout come from each backend's own generator).
#'
#' Each run times three things separately: `import_seconds`, switching to the backend
#' (with `isolate = "process"`, importing Keras on it in a new process; in the session,
#' the first switch to a backend imports it and later ones take about a millisecond);
#' `fit_seconds` and `evaluate_seconds`, the two steps the model function marks with
#' `step()`. As in the tutorial, the fit time is that of the model's first `fit()`, so
#' it includes what a backend does on first use, such as compiling the training step
#' (most of the time on jax, for a model this small).
#'
#' With `isolate = "process"` (the default) each run happens in a new R process
#' (callr), so one backend's threads, caches and memory cannot slow another down;
#' the model function is sent to that process, so it must be self-contained (use only
#' its arguments and `pkg::fn()` calls). With `isolate = "session"` the runs switch this
#' session with [use_backend()] (`persist = FALSE`): faster to start, but the backends
#' share one process.
#'
#' Either way nothing is persisted: the runs read a private copy of `keras.json` (Keras
#' writes a default file at import when there is none; it writes the copy's directory,
#' not yours), your file stays byte for byte as it was, and the session is put back on
#' its backend, `KERAS_BACKEND` and settings afterwards, also after an error or an
#' interrupt (Ctrl-C), as with [with_backend()]. If Keras was not imported before a
#' session comparison, it is not afterwards either (what the runs loaded is kept aside for
#' quick switches).
#'
#' A backend that fails (not installed, cannot train, or the model function raises an
#' error on it) gets rows whose `error` says why, and the other backends still run.
#'
#' @param model The work to time, a function `function(keras, seed, step)` that trains
#'   and evaluates a model and returns its evaluation as named numbers (e.g. `c(loss =
#'   0.69, accuracy = 0.5)` or `evaluate(..., return_dict = TRUE)`'s list); `loss` and
#'   `accuracy`, and any other names, become columns. A list may also hold labels, single
#'   strings (e.g. `on = keras3::config_backend()`), shown as they are. It receives the
#'   `keras` module on the backend being compared, the run's `seed` (make the data from it), and
#'   `step(name, expr)`, which evaluates `expr`, records how long it took under `name`
#'   (`"fit"` or `"evaluate"`) and returns its value. Defaults to [tutorial_task()].
#' @param backends The backends to compare, e.g. `c("tensorflow", "jax", "torch")`. By
#'   default every installed backend that can train (see [backends()]). With `isolate =
#'   "process"`, the backends of multi-backend Keras 2.3.1 can be in the same table:
#'   `"theano"`, `"cntk"`, and `"keras2-tensorflow"` for TensorFlow 1.14 (see
#'   [install_backends()]); their runs use that environment's Python.
#' @param repeats How many runs per backend (a whole number, at least 1).
#' @param isolate `"process"`: each run in a new R process; `"session"`: in this
#'   session, switching with [use_backend()].
#' @param ... These dots are for future extensions and must be empty.
#' @param seed The first run's seed (a whole number, at least 0); run `i` uses
#'   `seed + i - 1`.
#' @param verbose Print one line per backend as it finishes?
#' @returns A data frame of class `kswitch_comparison`, one row per backend and run, with
#'   columns `backend`, `run`, `seed`, `backend_version`, `keras_version`,
#'   `import_seconds`, `fit_seconds`, `evaluate_seconds`, `loss`, `accuracy` (and any
#'   other metric the model returned) and `error` (`NA` when the run succeeded). It
#'   prints as a summary per backend (see [summary.kswitch_comparison()]); [plot()] draws
#'   fit time and accuracy per backend.
#' @family comparison
#' @export
#' @examplesIf backend_available("jax")
#' # A tiny model, one run, in this session (the default task takes longer: see the README).
#' tiny <- function(keras, seed, step) {
#'   x <- withr::with_seed(seed, matrix(runif(64 * 4), ncol = 4))
#'   y <- x %*% c(1, -1, 0.5, 0)
#'   model <- keras$Sequential(list(keras$Input(shape = list(4L)), keras$layers$Dense(1L)))
#'   model$compile(optimizer = "sgd", loss = "mse")
#'   step("fit", model$fit(x, y, epochs = 2L, verbose = 0L))
#'   c(loss = step("evaluate", model$evaluate(x, y, verbose = 0L)))
#' }
#' result <- compare_backends(tiny, backends = "jax", repeats = 1, isolate = "session")
#' result
#' as.data.frame(result)[, c("backend", "fit_seconds", "loss")]
compare_backends <- function(model = tutorial_task(), backends = NULL, repeats = 3L,
                             isolate = c("process", "session"), ..., seed = 2019L,
                             verbose = TRUE) {
  rlang::check_dots_empty()
  check_function(model, must = "a function(keras, seed, step)")
  if (!is.null(backends)) check_strings(backends)
  check_whole(repeats, min = 1)
  isolate <- check_choice(isolate, c("process", "session"))
  check_whole(seed, min = 0)
  check_flag(verbose)
  backends <- backends %||% installed_trainable_backends()
  targets <- comparison_targets(backends, in_session = isolate == "session")
  home <- local_comparison_home()
  child_envs <- if (isolate == "process") comparison_child_envs(home)
  runs <- lapply(seq_along(backends), function(i) {
    run_backend(backends[[i]], targets[[i]], model, seed + seq_len(repeats) - 1, child_envs,
                verbose)
  })
  new_comparison(unlist(runs, recursive = FALSE), isolate)
}

# Where each backend runs (see the core's comparison_target()). Unknown names are the
# caller's typo, and in a session comparison so is a backend of the other Keras
# generation: an error now, not a row.
comparison_targets <- function(backends, in_session, call = rlang::caller_env()) {
  lapply(backends, function(b) {
    core_call("comparison_target", b, argument = "backends", in_session = in_session,
              call = call)
  })
}

# The runs read a private copy of keras.json in a temporary KERAS_HOME: Keras writes a
# default file at import when there is none, and must never write the caller's. When
# `envir` exits, also on an error or an interrupt, the session is put back while Keras
# still reads the copy, then KERAS_HOME, and the copy is removed.
local_comparison_home <- function(envir = parent.frame()) {
  # Refuses an untrusted keras.json before any work; changes nothing itself.
  state <- core_call("begin_scope", call = rlang::caller_env())
  home <- tempfile("kswitch-compare-")
  dir.create(home)
  withr::defer(unlink(home, recursive = TRUE), envir = envir)
  config <- keras_config_path()
  if (file.exists(config)) file.copy(config, file.path(home, "keras.json"))
  local_keras_home(home, .local_envir = envir)
  withr::defer(core_call("end_scope", state), envir = envir)  # runs first: last in
  home
}

# The environments of the R processes a comparison starts, by where the backend lives:
# this session's Python, or multi-backend Keras 2.3.1's, both on the copy in `home`. On
# managed Python each child gets a managed Python of its own (RETICULATE_PYTHON="managed"
# and the same uv variables), where its use_backend() requests the backend before its Python
# starts (free), beside what this session requested.
comparison_child_envs <- function(home) {
  managed <- identical(python_kind(), "managed")
  python <- if (managed) "managed" else core_call("config_info")$python
  here <- c(callr::rcmd_safe_env(), KERAS_HOME = home, KERAS_BACKEND = NA,
            RETICULATE_PYTHON = python,
            # Theano compiles C code into ~/.theano unless told otherwise.
            THEANO_FLAGS = paste0("base_compiledir=", file.path(home, "theano")))
  list(here = here, elsewhere = replace(here, "RETICULATE_PYTHON",
                                        env_python(default_legacy_envname())),
       requirements = if (managed) py_require()$packages)
}

# One backend's runs, one per seed, as rows; with `verbose`, a line saying how they went.
run_backend <- function(name, target, model, seeds, child_envs, verbose) {
  started <- now()
  child_env <- if (!is.null(child_envs)) child_envs[[if (target$here) "here" else "elsewhere"]]
  rows <- lapply(seq_along(seeds), function(run) {
    row <- run_backend_once_in(child_env, name, target, model, seeds[[run]],
                               child_envs$requirements)
    row$backend_version <- target$backend_version %||% row$backend_version
    row$keras_version <- target$keras_version %||% row$keras_version
    c(list(backend = name, run = run, seed = seeds[[run]]), row)
  })
  if (verbose) inform_progress(rows, now() - started)
  rows
}

# One run of `target$backend` (called `name` by the caller): in this session when `child_env`
# is NULL, else in a new R process with that environment (and, on managed Python, this
# session's `requirements`). A process that cannot start or dies is a failed row.
run_backend_once_in <- function(child_env, name, target, model, seed, requirements = NULL) {
  if (is.null(child_env)) return(run_once(target$backend, model, seed))
  python <- child_env[["RETICULATE_PYTHON"]]
  if (!target$here && !file.exists(python)) {
    return(failed_run_row(sprintf(paste(
      "Multi-backend Keras 2.3.1 is not installed (no %s);",
      'install it with `kswitch::install_backends("%s")`.'), python, name)))
  }
  tryCatch(
    callr::r(run_once, args = list(target$backend, model, seed, requirements),
             libpath = .libPaths(), env = child_env, package = "kswitch"),
    error = function(e) {
      failed_run_row(paste("The R process running it failed:", one_line(conditionMessage(e))))
    }
  )
}

# Runs in this session or in a new R process: switch, seed, run the model; never throws
# an error, it returns it (an interrupt still stops it). `requirements`: what the session
# that started this process had requested of its managed Python.
run_once <- function(backend, model, seed, requirements = NULL) {
  out <- failed_run_row(NA_character_)
  timer <- step_timer()
  if (length(requirements)) py_require(requirements)
  error <- tryCatch({
    request_backend(backend)  # on managed Python, free before it starts
    core()  # Python starts outside the timing
    start <- now()
    suppressMessages(use_backend(backend, persist = FALSE))
    keras <- keras_module()
    out$import_seconds <- now() - start
    target <- core_call("comparison_target", backend)
    out$backend_version <- target$backend_version %||% NA_character_
    out$keras_version <- target$keras_version %||% NA_character_
    core_call("set_random_seed", as.integer(seed))
    out$metrics <- as_metrics(model(keras, seed, timer$step))
    NA_character_
  }, error = function(e) one_line(conditionMessage(e)))
  out$error <- error
  out$fit_seconds <- timer$seconds$fit
  out$evaluate_seconds <- timer$seconds$evaluate
  out
}

# A run's row before (or instead of) running: no times, no metrics, `error` says why.
failed_run_row <- function(error) {
  list(backend_version = NA_character_, keras_version = NA_character_,
       import_seconds = NA_real_, fit_seconds = NA_real_, evaluate_seconds = NA_real_,
       metrics = list(), error = error)
}

now <- function() proc.time()[["elapsed"]]

# The `step(name, expr)` a model function gets: evaluates `expr` and records how long it
# took under `name`, in the environment's `seconds`.
step_timer <- function() {
  timer <- new.env(parent = emptyenv())
  timer$seconds <- list(fit = NA_real_, evaluate = NA_real_)
  timer$step <- function(name, expr) {
    check_choice(name, names(timer$seconds))
    start <- now()
    value <- expr
    timer$seconds[[name]] <- now() - start
    value
  }
  timer
}

# A metric is one number, or one string (a label such as the backend a run said it ran on).
is_metric <- function(x) (is.numeric(x) || is.character(x)) && length(x) == 1L

as_metrics <- function(value) {
  metrics <- if (is.numeric(value) || is.character(value)) as.list(value) else
    if (is.list(value)) value
  named <- names(metrics)
  if (!length(metrics) || !all(vapply(metrics, is_metric, NA)) || is.null(named) ||
      !all(nzchar(named)) || anyDuplicated(named) || any(named %in% run_columns)) {
    abort_kswitch(c(
      "The model function must return its evaluation as named numbers (or labels).",
      x = sprintf("It returned %s%s.", describe(value), if (any(named %in% run_columns))
        paste0(", named ", paste(intersect(named, run_columns), collapse = ", ")) else ""),
      i = paste("Return e.g. `c(loss = 0.69, accuracy = 0.5)`, or",
                "`model$evaluate(..., return_dict = TRUE)`, or a list with single strings",
                "among the numbers; not named", paste(run_columns, collapse = ", "))
    ), class = "kswitch_error_invalid_argument", argument = "model")
  }
  metrics
}

# Python tracebacks and cli bullets, on one line for a table cell.
one_line <- function(message) {
  lines <- trimws(strsplit(message, "\n", fixed = TRUE)[[1]])
  lines <- lines[nzchar(lines) & !grepl("reticulate::py_last_error()", lines, fixed = TRUE)]
  paste(lines, collapse = " ")
}

# One line per backend when its runs are done: the median fit time and scores, or why it
# failed; `seconds` is how long its runs took in all.
inform_progress <- function(rows, seconds) {
  row <- rows[[1]]
  failed <- vapply(rows, function(r) !is.na(r$error), NA)
  name <- paste(row$backend, if (!is.na(row$backend_version)) row$backend_version)
  if (all(failed)) {
    inform_kswitch(c(x = sprintf("%s: %s", name, row$error)), class = "kswitch_message_progress")
    return(invisible())
  }
  ok <- rows[!failed]
  fit <- vapply(ok, function(r) r$fit_seconds, 0)
  scores <- vapply(c("loss", "accuracy"), function(m) {
    values <- lapply(ok, function(r) r$metrics[[m]])
    stats::median(vapply(values, function(v) if (is.numeric(v)) v else NA_real_, 0))
  }, 0)
  scores <- scores[!is.na(scores)]
  scores <- if (length(scores)) {
    paste0(", ", names(scores), " ", format_metric(scores), collapse = "")
  } else {
    ""
  }
  line <- sprintf("%s: fit %s s (median of %d)%s [%.1f s]", name,
                  format_seconds(stats::median(fit)), length(ok), scores, seconds)
  if (any(failed)) {
    line <- c("!" = sprintf("%s; %d of %d runs failed: %s", line, sum(failed), length(rows),
                            rows[failed][[1]]$error))
  } else {
    line <- c(v = line)
  }
  inform_kswitch(line, class = "kswitch_message_progress")
}
