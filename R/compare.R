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
#'   `accuracy`, and any other names, become columns. It receives the `keras` module on
#'   the backend being compared, the run's `seed` (make the data from it), and
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
#' @examples
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
  # Unknown names are the caller's typo, and in a session comparison so is a backend of the
  # other Keras generation: an error now, not a row.
  call <- rlang::current_env()
  targets <- lapply(backends, function(b) {
    core_call("comparison_target", b, argument = "backends",
              in_session = isolate == "session", call = call)
  })
  state <- core_call("begin_scope")  # also refuses an untrusted keras.json, before any work
  # The runs read a private copy of keras.json: Keras writes a default file at import when
  # there is none, and must never write the caller's.
  home <- tempfile("kswitch-compare-")
  dir.create(home)
  old_home <- NULL
  # Also after an error or an interrupt: the backend first, while Keras still reads the copy.
  on.exit(tryCatch(
    if (!is.null(old_home)) core_call("end_scope", state),
    finally = {
      if (!is.null(old_home)) set_keras_home(old_home)
      unlink(home, recursive = TRUE)
    }
  ), add = TRUE)
  config <- keras_config_path()
  if (file.exists(config)) file.copy(config, file.path(home, "keras.json"))
  child_env <- other_env <- NULL
  if (isolate == "session") {
    old_home <- set_keras_home(home)
  } else {
    child_env <- c(callr::rcmd_safe_env(), KERAS_HOME = home, KERAS_BACKEND = NA,
                   RETICULATE_PYTHON = core_call("config_info")$python,
                   # Theano compiles C code into ~/.theano unless told otherwise.
                   THEANO_FLAGS = paste0("base_compiledir=", file.path(home, "theano")))
    # Multi-backend Keras 2.3.1's backends run on its own Python.
    other_env <- replace(child_env, "RETICULATE_PYTHON", env_python(default_legacy_envname()))
  }
  runs <- list()
  for (i in seq_along(backends)) {
    started <- now()
    target <- targets[[i]]
    env <- if (target$here) child_env else other_env
    missing <- !target$here && !file.exists(env_python(default_legacy_envname()))
    rows <- lapply(seq_len(repeats), function(run) {
      row <- if (missing) failed_run(sprintf(paste(
        "Multi-backend Keras 2.3.1 is not installed (no %s);",
        'install it with `kswitch::install_backends("%s")`.'), env_python(
          default_legacy_envname()), backends[[i]])) else
        run_isolated(target$backend, model, seed + run - 1, env)
      row$backend_version <- target$backend_version %||% row$backend_version
      row$keras_version <- target$keras_version %||% row$keras_version
      c(list(backend = backends[[i]], run = run, seed = seed + run - 1), row)
    })
    if (verbose) inform_progress(rows, now() - started)
    runs <- c(runs, rows)
  }
  new_comparison(runs, isolate)
}

#' The tutorial's experiment, as a task for compare_backends()
#'
#' `tutorial_task()` is the model of the tutorial kswitch grew from, the Keras
#' documentation's multilayer perceptron for binary classification: inputs of 20
#' features, `Dense(64, relu)`, `Dropout(0.5)`, `Dense(64, relu)`, `Dropout(0.5)`,
#' `Dense(1, sigmoid)`, compiled with `binary_crossentropy` and `rmsprop`, metric
#' `accuracy`, fitted for 20 epochs in batches of 128 and evaluated on the test set in
#' batches of 128. `tutorial_data()` makes its data from a seed, in R, so every backend
#' and every process gets exactly the same numbers: `x_train` 1000 x 20 uniform on
#' \[0, 1), `y_train` 1000 x 1 of 0/1, `x_test` 100 x 20 and `y_test` 100 x 1 alike. The
#' labels are random, so no model can do better than chance on the test set: the
#' experiment compares speed, and shows that every backend computes the same kind of
#' result.
#'
#' @param epochs,batch_size Training epochs and batch size (the tutorial's: 20 and 128).
#' @param seed A whole number: the same seed gives the same data. The caller's random
#'   number state is left as it was.
#' @returns `tutorial_task()`: a function `function(keras, seed, step)` as
#'   [compare_backends()] takes, returning `c(loss = , accuracy = )`. It runs on Keras 3
#'   and on multi-backend Keras 2.3.1; accuracy is the share of test labels the model's
#'   predictions get right, computed by kswitch, since Keras 2.3.1 on CNTK reports its
#'   accuracy metric one batch late.
#'   `tutorial_data()`: a list of the matrices `x_train`, `y_train`, `x_test`, `y_test`.
#' @family comparison
#' @export
#' @examples
#' data <- tutorial_data(2019)
#' str(data)
#' task <- tutorial_task(epochs = 1)
#' step <- function(name, expr) expr  # compare_backends() passes one that times `expr`
#' task(keras_module(), seed = 2019, step = step)
tutorial_task <- function(epochs = 20L, batch_size = 128L) {
  check_whole(epochs, min = 1)
  check_whole(batch_size, min = 1)
  epochs <- as.integer(epochs)
  batch_size <- as.integer(batch_size)
  function(keras, seed, step) {
    unlist(tutorial_fit(keras, tutorial_data(seed), epochs, batch_size, step)[
      c("loss", "accuracy")])
  }
}

# The tutorial's model on either Keras generation. Accuracy is computed from predictions:
# Keras 2.3.1 on CNTK reports its accuracy metric one batch late (0 for a one-batch
# evaluate()); `keras_accuracy` is Keras's own number, for showing that.
tutorial_fit <- function(keras, data, epochs, batch_size, step) {
  layers <- keras$layers
  keras2 <- python_generation() == 2L
  first <- if (keras2) list(layers$Dense(64L, input_dim = 20L, activation = "relu")) else
    list(keras$Input(shape = list(20L)), layers$Dense(64L, activation = "relu"))
  model <- keras$models$Sequential(c(first, list(
    layers$Dropout(0.5), layers$Dense(64L, activation = "relu"), layers$Dropout(0.5),
    layers$Dense(1L, activation = "sigmoid"))))
  model$compile(loss = "binary_crossentropy", optimizer = "rmsprop",
                metrics = list("accuracy"))
  step("fit", model$fit(data$x_train, data$y_train, epochs = as.integer(epochs),
                        batch_size = as.integer(batch_size), verbose = 0L))
  score <- step("evaluate", unlist(model$evaluate(data$x_test, data$y_test,
                                                  batch_size = as.integer(batch_size),
                                                  verbose = 0L)))
  predicted <- model$predict(data$x_test, verbose = 0L) > 0.5
  list(loss = score[[1]], accuracy = mean(predicted == (data$y_test == 1)),
       keras_accuracy = score[[2]])
}

#' @rdname tutorial_task
#' @export
tutorial_data <- function(seed) {
  check_whole(seed)
  # Explicit generators: the same numbers whatever RNGkind() the caller chose.
  withr::with_seed(seed, .rng_kind = "Mersenne-Twister", .rng_normal_kind = "Inversion",
                   .rng_sample_kind = "Rejection", {
    x_train <- matrix(stats::runif(1000 * 20), nrow = 1000)
    y_train <- matrix(sample(0:1, 1000, replace = TRUE), ncol = 1)
    x_test <- matrix(stats::runif(100 * 20), nrow = 100)
    y_test <- matrix(sample(0:1, 100, replace = TRUE), ncol = 1)
    list(x_train = x_train, y_train = y_train, x_test = x_test, y_test = y_test)
  })
}

now <- function() proc.time()[["elapsed"]]

# One run on one backend: in this session, or with `child_env` in a new R process on the
# same Python and a copy of the same keras.json.
run_isolated <- function(backend, model, seed, child_env) {
  if (is.null(child_env)) return(run_once(backend, model, seed))
  tryCatch(
    callr::r(run_once, args = list(backend, model, seed), libpath = .libPaths(),
             env = child_env, package = "kswitch"),
    error = function(e) {
      failed_run(paste("The R process running it failed:", one_line(conditionMessage(e))))
    }
  )
}

# Runs in this session or in a new R process: switch, seed, run the model; never throws
# an error, it returns it (an interrupt still stops it).
run_once <- function(backend, model, seed) {
  out <- failed_run(NA_character_)
  timer <- step_timer()
  core()  # Python starts outside the timing
  error <- tryCatch({
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

failed_run <- function(error) {
  list(backend_version = NA_character_, keras_version = NA_character_,
       import_seconds = NA_real_, fit_seconds = NA_real_, evaluate_seconds = NA_real_,
       metrics = list(), error = error)
}

# The columns a comparison has whatever the model returns; metrics must not clash with them.
run_columns <- c("backend", "run", "seed", "backend_version", "keras_version",
                 "import_seconds", "fit_seconds", "evaluate_seconds", "error")

as_metrics <- function(value) {
  metrics <- if (is.list(value) || is.numeric(value)) unlist(value) else NULL
  named <- names(metrics)
  if (!is.numeric(metrics) || !length(metrics) || is.null(named) || !all(nzchar(named)) ||
      anyDuplicated(named) || any(named %in% run_columns)) {
    rlang::abort(c(
      "The model function must return its evaluation as named numbers.",
      x = sprintf("It returned %s%s.", describe(value), if (any(named %in% run_columns))
        paste0(", named ", paste(intersect(named, run_columns), collapse = ", ")) else ""),
      i = paste("Return e.g. `c(loss = 0.69, accuracy = 0.5)`, or",
                "`model$evaluate(..., return_dict = TRUE)`; not named",
                paste(run_columns, collapse = ", "))
    ), class = c("kswitch_error_invalid_argument", "kswitch_error"), argument = "model")
  }
  as.list(metrics)
}

# Python tracebacks and cli bullets, on one line for a table cell.
one_line <- function(message) {
  lines <- trimws(strsplit(message, "\n", fixed = TRUE)[[1]])
  lines <- lines[nzchar(lines) & !grepl("reticulate::py_last_error()", lines, fixed = TRUE)]
  paste(lines, collapse = " ")
}

new_comparison <- function(runs, isolate) {
  metrics <- unique(c("loss", "accuracy", unlist(lapply(runs, function(r) names(r$metrics)))))
  column <- function(name, type) vapply(runs, function(r) r[[name]] %||% type[NA], type)
  table <- data.frame(
    backend = column("backend", ""), run = column("run", 0L), seed = column("seed", 0),
    backend_version = column("backend_version", ""), keras_version = column("keras_version", ""),
    import_seconds = column("import_seconds", 0), fit_seconds = column("fit_seconds", 0),
    evaluate_seconds = column("evaluate_seconds", 0), stringsAsFactors = FALSE
  )
  for (m in metrics) {
    table[[m]] <- vapply(runs, function(r) as.numeric(r$metrics[[m]] %||% NA_real_), 0)
  }
  table$error <- column("error", "")
  structure(table, class = c("kswitch_comparison", "data.frame"), isolate = isolate)
}

inform_progress <- function(rows, seconds) {
  row <- rows[[1]]
  failed <- vapply(rows, function(r) !is.na(r$error), NA)
  name <- paste(row$backend, if (!is.na(row$backend_version)) row$backend_version)
  if (all(failed)) {
    line <- sprintf("%s: %s", name, row$error)
    cli::cli_alert_danger("{line}")
    return(invisible())
  }
  ok <- rows[!failed]
  fit <- vapply(ok, function(r) r$fit_seconds, 0)
  scores <- vapply(c("loss", "accuracy"), function(m) {
    stats::median(vapply(ok, function(r) r$metrics[[m]] %||% NA_real_, 0))
  }, 0)
  scores <- scores[!is.na(scores)]
  scores <- if (length(scores)) {
    paste0(", ", names(scores), " ", format_metric(scores), collapse = "")
  } else ""
  line <- sprintf("%s: fit %s s (median of %d)%s [%.1f s]", name,
                  format_seconds(stats::median(fit)), length(ok), scores, seconds)
  if (any(failed)) {
    line <- sprintf("%s; %d of %d runs failed: %s", line, sum(failed), length(rows),
                    rows[failed][[1]]$error)
    cli::cli_alert_warning("{line}")
  } else {
    cli::cli_alert_success("{line}")
  }
  invisible()
}

format_seconds <- function(x) ifelse(is.na(x), "-", formatC(x, format = "f", digits = 3))
format_metric <- function(x) ifelse(is.na(x), "-", formatC(x, format = "f", digits = 4))

#' Summarise a backend comparison: one row per backend
#'
#' Medians over each backend's successful runs, and the fit time's spread (minimum and
#' maximum). Printing a comparison shows this table, with the metrics the runs returned;
#' `as.data.frame()` gives the runs.
#'
#' @param object,x A result of [compare_backends()].
#' @param ... Unused.
#' @returns `summary()`: a data frame with columns `backend`, `backend_version`,
#'   `keras_version`, `runs`, `failed`, `import_seconds`, `fit_seconds`, `fit_min`,
#'   `fit_max`, `evaluate_seconds`, `loss`, `accuracy` and any other metric, and `error`
#'   (the first failed run's reason). `print()`: `x`, invisibly.
#' @family comparison
#' @export
#' @examples
#' tiny <- function(keras, seed, step) {
#'   model <- keras$Sequential(list(keras$Input(shape = list(1L)), keras$layers$Dense(1L)))
#'   model$compile(optimizer = "sgd", loss = "mse")
#'   x <- matrix(1:8 / 8)
#'   step("fit", model$fit(x, 2 * x, verbose = 0L))
#'   c(loss = step("evaluate", model$evaluate(x, 2 * x, verbose = 0L)))
#' }
#' result <- compare_backends(tiny, "jax", repeats = 2, isolate = "session", verbose = FALSE)
#' summary(result)
summary.kswitch_comparison <- function(object, ...) {
  runs <- as.data.frame(object)
  metrics <- setdiff(names(runs), run_columns)
  per_backend <- lapply(split(runs, factor(runs$backend, levels = unique(runs$backend))),
                        function(b) {
    ok <- b[is.na(b$error), , drop = FALSE]
    median_of <- function(x) if (length(x)) stats::median(x) else NA_real_
    data.frame(
      backend = b$backend[[1]], backend_version = b$backend_version[[1]],
      keras_version = b$keras_version[[1]], runs = nrow(b), failed = nrow(b) - nrow(ok),
      import_seconds = median_of(ok$import_seconds), fit_seconds = median_of(ok$fit_seconds),
      fit_min = if (nrow(ok)) min(ok$fit_seconds) else NA_real_,
      fit_max = if (nrow(ok)) max(ok$fit_seconds) else NA_real_,
      evaluate_seconds = median_of(ok$evaluate_seconds),
      lapply(ok[metrics], median_of),
      error = if (nrow(ok) < nrow(b)) b$error[!is.na(b$error)][[1]] else NA_character_,
      stringsAsFactors = FALSE, check.names = FALSE
    )
  })
  out <- do.call(rbind, per_backend)
  rownames(out) <- NULL
  out
}

#' @rdname summary.kswitch_comparison
#' @export
print.kswitch_comparison <- function(x, ...) {
  s <- summary(x)
  where <- if (identical(attr(x, "isolate"), "session")) "in this R session" else
    "each in a new R process"
  keras <- unique(stats::na.omit(s$keras_version))
  cat(sprintf("<Keras backend comparison: %d run%s per backend, %s%s>\n", max(s$runs),
              if (max(s$runs) == 1) "" else "s", where,
              if (length(keras) == 1) paste0("; Keras ", keras) else ""))
  # The metrics some run returned (loss and accuracy when none did).
  metrics <- setdiff(names(s), c(run_columns, "runs", "failed", "fit_min", "fit_max"))
  metrics <- metrics[vapply(s[metrics], function(m) any(!is.na(m)), NA)]
  if (!length(metrics)) metrics <- c("loss", "accuracy")
  range <- function(low, high) {
    ifelse(is.na(low), "-", sprintf("%.2f-%.2f", low, high))
  }
  shown <- data.frame(
    backend = s$backend,
    version = ifelse(is.na(s$backend_version), "-", s$backend_version),
    `fit s` = format_seconds(s$fit_seconds), `fit range` = range(s$fit_min, s$fit_max),
    `import s` = format_seconds(s$import_seconds),
    `evaluate s` = format_seconds(s$evaluate_seconds),
    lapply(s[metrics], format_metric),
    ok = sprintf("%d/%d", s$runs - s$failed, s$runs),
    check.names = FALSE, stringsAsFactors = FALSE
  )
  if (length(keras) > 1) shown$keras <- ifelse(is.na(s$keras_version), "-", s$keras_version)
  print(shown, row.names = FALSE, right = TRUE)
  failed <- s[!is.na(s$error), , drop = FALSE]
  for (i in seq_len(nrow(failed))) {
    cat(sprintf("%s failed: %s\n", failed$backend[[i]], failed$error[[i]]))
  }
  cat("Medians over successful runs; fit range: min-max. One row per run: as.data.frame(x).\n")
  invisible(x)
}

#' Plot a backend comparison: fit time and accuracy per backend
#'
#' Two panels drawn with base graphics: the fit time of each backend (every run as a
#' grey dot, the median as a black diamond, the range from minimum to maximum as a line),
#' and the accuracy of each run with its median, on a 0 to 1 scale. Backends whose runs
#' all failed are marked "failed". Open a device first to write a file, e.g.
#' [grDevices::png()].
#'
#' @param x A result of [compare_backends()].
#' @param ... Passed to [graphics::plot.default()] for both panels (e.g. `cex`).
#' @returns `x`, invisibly.
#' @family comparison
#' @export
#' @examples
#' tiny <- function(keras, seed, step) {
#'   model <- keras$Sequential(list(keras$Input(shape = list(1L)),
#'                                  keras$layers$Dense(1L, activation = "sigmoid")))
#'   model$compile(optimizer = "sgd", loss = "binary_crossentropy", metrics = list("accuracy"))
#'   x <- matrix(c(-2, -1, 1, 2)); y <- matrix(c(0, 0, 1, 1))
#'   step("fit", model$fit(x, y, epochs = 2L, verbose = 0L))
#'   unlist(step("evaluate", model$evaluate(x, y, verbose = 0L, return_dict = TRUE)))
#' }
#' result <- compare_backends(tiny, "jax", repeats = 2, isolate = "session", verbose = FALSE)
#' file <- tempfile(fileext = ".png")
#' grDevices::png(file, width = 800, height = 400)
#' plot(result)
#' grDevices::dev.off()
#' unlink(file)
plot.kswitch_comparison <- function(x, ...) {
  runs <- as.data.frame(x)
  names <- unique(runs$backend)
  at <- match(runs$backend, names)
  ok <- is.na(runs$error)
  s <- summary(x)
  old <- graphics::par(mfrow = c(1, 2), mar = c(4, 4.5, 3, 1))
  on.exit(graphics::par(old), add = TRUE)
  panel <- function(values, median, title, ylab, top, low = NULL, high = NULL) {
    graphics::plot.default(at[ok], values[ok], xlim = c(0.5, length(names) + 0.5),
                           ylim = c(0, top), xaxt = "n", xlab = "", ylab = ylab,
                           main = title, cex.main = 1, las = 1, pch = 16, col = "grey60", ...)
    graphics::axis(1, at = seq_along(names), labels = names)
    if (!is.null(low)) graphics::segments(seq_along(names), low, seq_along(names), high, lwd = 2)
    graphics::points(seq_along(names), median, pch = 18, cex = 2)
    dead <- s$failed == s$runs
    if (any(dead)) graphics::text(which(dead), top / 2, "failed", col = "firebrick")
  }
  slowest <- max(c(runs$fit_seconds[ok], 0), na.rm = TRUE)
  panel(runs$fit_seconds, s$fit_seconds, "Fit time: runs, median and range", "seconds",
        if (slowest > 0) slowest * 1.08 else 1, s$fit_min, s$fit_max)
  panel(runs$accuracy, s$accuracy, "Test accuracy: runs and median", "accuracy", 1)
  invisible(x)
}
