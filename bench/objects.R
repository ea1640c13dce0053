# Objects keep their backend (objects.py): what it costs a keras3 user. Side by side in this
# run:
#   1. predict() of the tutorial's model on the active backend through kswitch's wrapped entry
#      points against Keras's own methods (bench/entry_points.py puts them back), alternating
#      call by call in one process: separate processes differ by 10-15% in either direction
#      on this machine, more than the 2% goal;
#   2. predict() of a jax model while the session is on tensorflow (its Keras made active for
#      the call) against the same call after use_backend("jax"), alternating call by call;
#   3. a warm use_backend() switch back with keras3 loaded, a model built after each, in
#      fresh processes taking turns with kswitch as #17 found it (eca0cbe, built from git):
#      its goal (< 1 ms, 2.0 ms then) is read on this run's machine as well, whose speed
#      varies up to 2x over a day.
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

# Seconds of one predict() of `model` on the tutorial's test set (100 rows).
predict_seconds <- function(model, x) {
  start <- Sys.time()
  predict(model, x, verbose = 0)
  as.numeric(Sys.time() - start, units = "secs")
}

# 1. On the active backend: each call through kswitch's wrappers, then through Keras's own.
active_predict <- function(calls, build, predict_seconds) {
  library(keras3)
  library(kswitch)
  suppressMessages(use_backend("tensorflow", persist = FALSE))
  model <- build()
  x <- matrix(runif(100 * 20), 100)
  for (i in 1:3) predict(model, x, verbose = 0)  # traced and warm
  entry <- reticulate::import_from_path("entry_points", path = "bench")
  methods <- entry$wrapped_methods()
  # Pairs in turn orders (ABBA), so neither side always runs first after a change.
  pairs <- vapply(seq_len(calls), function(i) {
    times <- c(wrapped = 0, own = 0)
    for (wrapped in if (i %% 2) c(TRUE, FALSE) else c(FALSE, TRUE)) {
      entry$use(methods, wrapped)
      times[[if (wrapped) "wrapped" else "own"]] <- predict_seconds(model, x)
    }
    times
  }, c(wrapped = 0, own = 0))
  entry$use(methods, TRUE)
  c(apply(pairs, 1, stats::median), ratio = stats::median(pairs["wrapped", ] / pairs["own", ]),
    methods = length(methods))
}

# 2. A jax model's predict() with the session on tensorflow, then after use_backend("jax"),
# alternating (the switches are not timed).
other_backend_predict <- function(calls, build, predict_seconds) {
  library(keras3)
  library(kswitch)
  suppressMessages(use_backend("tensorflow", persist = FALSE))
  model <- with_backend("jax", build())
  x <- matrix(runif(100 * 20), 100)
  for (i in 1:3) predict(model, x, verbose = 0)
  pairs <- vapply(seq_len(calls), function(i) {
    times <- c(away = 0, home = 0)
    for (side in if (i %% 2) c("away", "home") else c("home", "away")) {
      suppressMessages(use_backend(if (side == "away") "tensorflow" else "jax", persist = FALSE))
      times[[side]] <- predict_seconds(model, x)
      if (side == "away") stopifnot(config_backend() == "tensorflow")  # the session stayed
    }
    times
  }, c(away = 0, home = 0))
  c(apply(pairs, 1, stats::median), extra = stats::median(pairs["away", ] - pairs["home", ]))
}

cat("Benchmarking objects on their own backend (", if (quick) "quick" else "full", " run)...\n",
    sep = "")
active <- fresh(active_predict, list(calls, tutorial_model, predict_seconds))
other <- fresh(other_backend_predict, list(calls, tutorial_model, predict_seconds))
# kswitch when #17 was filed (main at eca0cbe, 2026-11-21), installed into a private library.
anchor_commit <- "eca0cbe"
anchor_lib <- anchor_library(anchor_commit)
warm_switch_seconds <- function(libpath) {
  callr::r(warm_switches, args = list(switches, tutorial_model), libpath = libpath)[["switch"]]
}
# Processes in turn (this, anchor, anchor, this, ...), so neither side always runs first.
warm <- vapply(1:3, function(i) {
  sides <- if (i %% 2) c("this", "anchor") else c("anchor", "this")
  times <- c(this = 0, anchor = 0)
  for (side in sides) {
    times[[side]] <- warm_switch_seconds(if (side == "anchor") c(anchor_lib, .libPaths())
                                         else .libPaths())
  }
  times
}, c(this = 0, anchor = 0))
warm_this <- stats::median(warm["this", ])
warm_anchor <- stats::median(warm["anchor", ])

ms <- function(s) sprintf("%.3f ms", 1000 * s)
lines <- c(
  "## 8. Objects on their own backend (keras3)", "",
  measured_line("bench/objects.R", paste(
    "The tutorial's model (Dense 64, Dropout, Dense 64, Dropout, Dense 1), `predict()` on",
    "its 100-row test set; medians (a difference: the median of the pairs').")), "",
  "| | this | anchor | difference | goal |", "|---|---|---|---|---|",
  sprintf("| `predict()` on the active backend (tensorflow): through kswitch's wrappers / Keras's own methods (%d calls each, alternating in one process; %d methods wrapped) | %s | %s | %+.1f%% | < 2%% |", # nolint: line_length_linter.
          calls, as.integer(active[["methods"]]), ms(active[["wrapped"]]), ms(active[["own"]]),
          100 * (active[["ratio"]] - 1)),
  sprintf("| `predict()` of a jax model, session on tensorflow / after `use_backend(\"jax\")` (%d calls each, alternating) | %s | %s | %+.3f ms | < 0.3 ms |", # nolint: line_length_linter.
          calls, ms(other[["away"]]), ms(other[["home"]]),
          1000 * other[["extra"]]),
  sprintf("| warm `use_backend()` switch back, keras3 loaded, a model built after each: this / kswitch as #17 found it (%s, built from git; %d switches in each of 3 processes a side, in turn: median of their medians; this ranged %s to %s) | **%s** | %s | %.1fx faster | < 1 ms: 2.0 ms then, so 2x faster |", # nolint: line_length_linter.
          anchor_commit, switches, ms(min(warm["this", ])), ms(max(warm["this", ])), ms(warm_this),
          ms(warm_anchor), warm_anchor / warm_this),
  "",
  sprintf(paste("The goals were set on 2026-11-21, when kswitch as #17 found it switched back in",
                "2.0 ms (bench/keras3.R, a smaller model); it took %s in this run, so this",
                "machine ran at %.2fx that day's speed."),
          ms(warm_anchor), 0.002 / warm_anchor),
  ""
)
writeLines(lines)
if (!quick) {
  write_results_section(lines, "^## 8\\. Objects on their own backend")
}
