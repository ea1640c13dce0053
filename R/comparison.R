# The result of compare_backends(): a data frame of runs of class `kswitch_comparison`, its
# summary per backend, and how it prints and plots.

# The columns a comparison has whatever the model returns; metrics must not clash with them.
run_columns <- c("backend", "run", "seed", "backend_version", "keras_version",
                 "import_seconds", "fit_seconds", "evaluate_seconds", "error")

# `runs`: one list per run, with the run columns and `metrics`, a named list of numbers and
# labels (single strings).
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
    values <- lapply(runs, function(r) r$metrics[[m]] %||% NA)
    label <- any(vapply(values, is.character, NA))
    table[[m]] <- if (label) vapply(values, as.character, "") else vapply(values, as.numeric, 0)
  }
  table$error <- column("error", "")
  structure(table, class = c("kswitch_comparison", "data.frame"), isolate = isolate)
}

format_seconds <- function(x) ifelse(is.na(x), "-", formatC(x, format = "f", digits = 3))
format_metric <- function(x) ifelse(is.na(x), "-", formatC(x, format = "f", digits = 4))

#' Summarise a backend comparison: one row per backend
#'
#' Medians over each backend's successful runs, and the fit time's spread (minimum and
#' maximum); a label a model function returned (a string) shows its runs' values. Printing a
#' comparison shows this table, with the metrics the runs returned (times in seconds; with
#' backends of both Keras generations, a `keras` column says which Keras ran each);
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
#' @examplesIf backend_available("jax")
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
    # A label column: the runs' labels, once each.
    summarise <- function(x) {
      if (!is.character(x)) return(median_of(x))
      x <- unique(stats::na.omit(x))
      if (length(x)) paste(x, collapse = "/") else NA_character_
    }
    data.frame(
      backend = b$backend[[1]], backend_version = b$backend_version[[1]],
      keras_version = b$keras_version[[1]], runs = nrow(b), failed = nrow(b) - nrow(ok),
      import_seconds = median_of(ok$import_seconds), fit_seconds = median_of(ok$fit_seconds),
      fit_min = if (nrow(ok)) min(ok$fit_seconds) else NA_real_,
      fit_max = if (nrow(ok)) max(ok$fit_seconds) else NA_real_,
      evaluate_seconds = median_of(ok$evaluate_seconds),
      lapply(ok[metrics], summarise),
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
  keras <- unique(stats::na.omit(s$keras_version))
  where <- if (identical(attr(x, "isolate"), "session")) "in this R session" else
    "each in a new R process"
  cat(sprintf("<Keras backend comparison: %d run%s per backend, %s%s>\n", max(s$runs),
              if (max(s$runs) == 1) "" else "s", where,
              if (length(keras) == 1) paste0("; Keras ", keras) else ""))
  # With both Keras generations, each row says which Keras ran it.
  print(summary_table(s, keras_column = length(keras) > 1), row.names = FALSE, right = TRUE)
  failed <- s[!is.na(s$error), , drop = FALSE]
  for (i in seq_len(nrow(failed))) {
    cat(sprintf("%s failed: %s\n", failed$backend[[i]], failed$error[[i]]))
  }
  cat("Medians over successful runs; fit range: min-max. One row per run: as.data.frame(x).\n")
  invisible(x)
}

# The summary formatted for printing, with the metrics some run returned (loss and accuracy
# when none did).
summary_table <- function(s, keras_column) {
  metrics <- setdiff(names(s), c(run_columns, "runs", "failed", "fit_min", "fit_max"))
  metrics <- metrics[vapply(s[metrics], function(m) any(!is.na(m)), NA)]
  if (!length(metrics)) metrics <- c("loss", "accuracy")
  or_dash <- function(x) ifelse(is.na(x), "-", x)
  shown <- data.frame(
    backend = s$backend, version = or_dash(s$backend_version),
    keras = or_dash(s$keras_version),
    `fit s` = format_seconds(s$fit_seconds),
    `fit range` = ifelse(is.na(s$fit_min), "-", sprintf("%.2f-%.2f", s$fit_min, s$fit_max)),
    `import s` = format_seconds(s$import_seconds),
    `eval s` = format_seconds(s$evaluate_seconds),
    lapply(s[metrics], function(m) if (is.character(m)) or_dash(m) else format_metric(m)),
    ok = sprintf("%d/%d", s$runs - s$failed, s$runs),
    check.names = FALSE, stringsAsFactors = FALSE
  )
  if (!keras_column) shown$keras <- NULL
  shown
}

#' Plot a backend comparison: fit time and accuracy per backend
#'
#' Two panels drawn with base graphics: the fit time of each backend (every run as a
#' grey dot, the median as a black diamond, the range from minimum to maximum as a line),
#' and the accuracy of each run with its median, on a 0 to 1 scale. The fit time is on a
#' log scale when the slowest run took over 20 times as long as the fastest (Theano's
#' first run, which compiles, does). With backends of both Keras generations, the x axis
#' groups them by Keras version. Backends whose runs all failed are marked "failed". Open
#' a device first to write a file, e.g. [grDevices::png()].
#'
#' @param x A result of [compare_backends()].
#' @param ... Passed to [graphics::plot.default()] for both panels (e.g. `cex`).
#' @returns `x`, invisibly.
#' @family comparison
#' @export
#' @examplesIf backend_available("jax")
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
  s <- summary(x)
  at <- match(runs$backend, s$backend)
  ok <- is.na(runs$error)
  old <- graphics::par(mfrow = c(1, 2), mar = c(4.5, 4.5, 3, 1))
  on.exit(graphics::par(old), add = TRUE)
  panel <- function(values, median, title, ylab, ylim, log = "", low = NULL, high = NULL) {
    graphics::plot.default(at[ok], values[ok], xlim = c(0.5, nrow(s) + 0.5), ylim = ylim,
                           log = log, xaxt = "n", xlab = "", ylab = ylab, main = title,
                           cex.main = 1, las = 1, pch = 16, col = "grey60", ...)
    backend_axis(s)
    slots <- seq_len(nrow(s))
    if (!is.null(low)) graphics::segments(slots, low, slots, high, lwd = 2)
    graphics::points(slots, median, pch = 18, cex = 2)
    dead <- s$failed == s$runs
    if (any(dead)) graphics::text(which(dead), mean(ylim), "failed", col = "firebrick")
  }
  fit <- runs$fit_seconds[ok]
  fit <- fit[!is.na(fit) & fit > 0]
  # A log scale when one backend's times dwarf another's (Theano compiling on first use).
  log <- length(fit) && max(fit) / min(fit) > 20
  panel(runs$fit_seconds, s$fit_seconds,
        paste0("Fit time", if (log) " (log scale)", ": runs, median and range"), "seconds",
        if (log) range(fit) * c(0.8, 1.25) else c(0, if (length(fit)) max(fit) * 1.08 else 1),
        if (log) "y" else "", s$fit_min, s$fit_max)
  panel(runs$accuracy, s$accuracy, "Test accuracy: runs and median", "accuracy", c(0, 1))
  invisible(x)
}

# The backends under the x axis, broken after a hyphen ("keras2-" / "tensorflow") and
# smaller if they must be, so that every name shows (axis() would drop some). With both
# Keras generations, each group of backends gets its Keras version, and a dotted line sets
# the groups apart.
backend_axis <- function(s) {
  slots <- seq_len(nrow(s))
  graphics::axis(1, at = slots, labels = FALSE)
  broken <- grepl("-", s$backend, fixed = TRUE)
  first <- sub("-.*", "-", s$backend)
  second <- sub("^[^-]*-", "", s$backend[broken])
  cex <- min(1, 0.92 / max(graphics::strwidth(c(first, second), units = "user", cex = 1)))
  graphics::mtext(first, side = 1, line = 1, at = slots, cex = cex)
  if (any(broken)) graphics::mtext(second, side = 1, line = 1 + cex, at = slots[broken], cex = cex)
  if (length(unique(stats::na.omit(s$keras_version))) < 2) return(invisible())
  groups <- rle(ifelse(is.na(s$keras_version), "", s$keras_version))
  ends <- cumsum(groups$lengths)
  graphics::abline(v = ends[-length(ends)] + 0.5, lty = 3, col = "grey50")
  known <- nzchar(groups$values)
  graphics::mtext(paste("Keras", groups$values[known]), side = 1, line = 2.2 + cex * any(broken),
                  at = (ends - (groups$lengths - 1) / 2)[known], col = "grey30")
  invisible()
}
