# Objects keep their backend (objects.py): what it costs a keras3 user. Side by side in this
# run, each in fresh R processes:
#   1. predict() of the tutorial's model on the active backend, with kswitch loaded (its entry
#      points wrapped) against keras3 alone;
#   2. predict() of a jax model while the session is on tensorflow (its Keras made active for
#      the call) against the same call after use_backend("jax");
#   3. a warm use_backend() switch back with keras3 loaded.
# Run with CRAN's reticulate and keras3 on the library path: `make bench` does
# (R_LIBS=.cache/r-cran-lib Rscript bench/objects.R). Options: --quick. It prints the table and
# rewrites section 8 of bench/RESULTS.md (bench/common.R).
source(file.path("bench", "common.R"))
calls <- if (quick) 50L else 300L
switches <- if (quick) 20L else 200L

# The tutorial's model (seeds/), built with keras3 on the session's backend.
tutorial_model <- function() {
  keras3::keras_model_sequential(input_shape = 20) |>
    keras3::layer_dense(64, activation = "relu") |>
    keras3::layer_dropout(0.5) |>
    keras3::layer_dense(64, activation = "relu") |>
    keras3::layer_dropout(0.5) |>
    keras3::layer_dense(1, activation = "sigmoid")
}

# Median seconds of `calls` predict() calls on the tutorial's test set (100 rows).
time_predict <- function(model, calls) {
  x <- matrix(runif(100 * 20), 100)
  for (i in 1:3) predict(model, x, verbose = 0)  # traced and warm
  stats::median(vapply(seq_len(calls), function(i) {
    start <- Sys.time()
    predict(model, x, verbose = 0)
    as.numeric(Sys.time() - start, units = "secs")
  }, 0))
}

# 1. On the active backend: keras3 alone, or with kswitch loaded.
active_predict <- function(with_kswitch, calls, build, time_predict) {
  library(keras3)
  if (with_kswitch) library(kswitch)
  keras3::config_set_backend("tensorflow")
  time_predict(build(), calls)
}

# 2. A jax model's predict() with the session on tensorflow, then after use_backend("jax").
other_backend_predict <- function(calls, build, time_predict) {
  library(keras3)
  library(kswitch)
  suppressMessages(use_backend("tensorflow", persist = FALSE))
  model <- with_backend("jax", build())
  away <- time_predict(model, calls)
  stopifnot(config_backend() == "tensorflow")
  suppressMessages(use_backend("jax", persist = FALSE))
  c(away = away, home = time_predict(model, calls))
}

cat("Benchmarking objects on their own backend (", if (quick) "quick" else "full", " run)...\n",
    sep = "")
# Alternate the two sides of 1 over fresh processes, so drift hits both alike.
sides <- lapply(1:3, function(i) {
  c(alone = fresh(active_predict, list(FALSE, calls, tutorial_model, time_predict)),
    kswitch = fresh(active_predict, list(TRUE, calls, tutorial_model, time_predict)))
})
alone <- stats::median(vapply(sides, `[[`, 0, "alone"))
with_kswitch <- stats::median(vapply(sides, `[[`, 0, "kswitch"))
other <- fresh(other_backend_predict, list(calls, tutorial_model, time_predict))
warm <- fresh(warm_switches, list(switches, tutorial_model))[["switch"]]

ms <- function(s) sprintf("%.3f ms", 1000 * s)
lines <- c(
  "## 8. Objects on their own backend (keras3)", "",
  measured_line("bench/objects.R", paste(
    "The tutorial's model (Dense 64, Dropout, Dense 64, Dropout, Dense 1), `predict()` on",
    "its 100-row test set; medians.")), "",
  "| | this | anchor | difference | goal |", "|---|---|---|---|---|",
  sprintf("| `predict()` on the active backend (tensorflow): with kswitch / keras3 alone (%d calls, 3 process pairs) | %s | %s | %+.1f%% | < 2%% |", # nolint: line_length_linter.
          calls, ms(with_kswitch), ms(alone), 100 * (with_kswitch / alone - 1)),
  sprintf("| `predict()` of a jax model, session on tensorflow / after `use_backend(\"jax\")` (%d calls) | %s | %s | %+.3f ms | < 0.3 ms |", # nolint: line_length_linter.
          calls, ms(other[["away"]]), ms(other[["home"]]),
          1000 * (other[["away"]] - other[["home"]])),
  sprintf("| warm `use_backend()` switch back, keras3 loaded (%d switches) | **%s** | 2.0 ms (section 5, before) | | < 1 ms |", # nolint: line_length_linter.
          switches, ms(warm)),
  ""
)
writeLines(lines)
if (!quick) {
  write_results_section(lines, "^## 8\\. Objects on their own backend")
}
