# kswitch with keras3: the warm switch a keras3 user gets (keras3's module objects and S3
# methods following included) beside what they do today (a new R process that loads keras3
# and builds the same model on the other backend), and RSS over round trips that each build
# and fit a keras3 model, beside the same work on TensorFlow alone. Every number is measured
# in this run, each side in fresh R processes.
# Run with CRAN's reticulate and keras3 on the library path: `make bench` does
# (R_LIBS=.cache/r-cran-lib Rscript bench/keras3.R). Options: --quick. It prints the table and
# rewrites section 5 of bench/RESULTS.md (bench/common.R).
source(file.path("bench", "common.R"))
repeats <- if (quick) 2L else 5L
switches <- if (quick) 20L else 100L
round_trips <- if (quick) 10L else 50L

now <- function() proc.time()[["elapsed"]]

# The model both sides build: keras3 functions only.
build <- function() {
  keras3::keras_model_sequential(input_shape = 20) |>
    keras3::layer_dense(16, activation = "relu") |>
    keras3::layer_dense(1, activation = "sigmoid")
}

# A keras3 user's way today: a new R process on the other backend, building the same model.
new_process <- function(to, build) {
  script <- sprintf(paste0("Sys.setenv(KERAS_BACKEND = '%s'); library(keras3); ",
                           "m <- (%s)(); stopifnot(config_backend() == '%s')"),
                    to, paste(deparse(build), collapse = " "), to)
  start <- now()
  status <- system2(file.path(R.home("bin"), "Rscript"), c("-e", shQuote(script)),
                    stdout = FALSE, stderr = FALSE)
  stopifnot(status == 0)
  now() - start
}

# 2. RSS over round trips, each side building and fitting a new keras3 model.
rss_trips <- function(n, sides, build) {
  library(keras3)
  library(kswitch)
  rss_mb <- function() {
    line <- grep("^VmRSS:", readLines("/proc/self/status"), value = TRUE)
    as.numeric(gsub("[^0-9]", "", line)) / 1024
  }
  x <- matrix(runif(256 * 20), 256)
  y <- matrix(sample(0:1, 256, TRUE), 256)
  vapply(seq_len(n), function(i) {
    for (b in sides) {
      suppressMessages(use_backend(b, persist = FALSE))
      model <- build()
      model |> compile(optimizer = "rmsprop", loss = "binary_crossentropy")
      model |> fit(x, y, epochs = 1, batch_size = 64, verbose = 0)
    }
    gc()
    reticulate::import("gc")$collect()
    rss_mb()
  }, 0)
}

cat("Benchmarking kswitch with keras3 (", if (quick) "quick" else "full", " run)...\n", sep = "")
warm <- fresh(warm_switches, list(switches, build))
process <- stats::median(vapply(seq_len(repeats), function(i) {
  new_process(if (i %% 2) "jax" else "tensorflow", build)
}, 0))
rss <- list(
  switching = fresh(rss_trips, list(round_trips, c("tensorflow", "jax"), build)),
  tensorflow_only = fresh(rss_trips, list(round_trips, "tensorflow", build))
)

ms <- function(s) sprintf("%.1f ms", 1000 * s)
growth <- function(r) sprintf("%+.0f MB", r[length(r)] - r[1])
lines <- c(
  "## 5. With keras3 (the R package)", "",
  measured_line("bench/keras3.R"), "",
  "| tensorflow <-> jax, keras3 loaded | median | new R process / this |", "|---|---|---|",
  sprintf("| kswitch `use_backend()`, keras3's objects and methods following (%d switches) | **%s** | %.0fx |", # nolint: line_length_linter.
          switches, ms(warm[["switch"]]), process / warm[["switch"]]),
  sprintf("| the same, then the model built with keras3 on the new backend | %s | %.0fx |",
          ms(warm[["with_model"]]), process / warm[["with_model"]]),
  sprintf("| a new R process that loads keras3 and builds the model there (%d runs) | %s | 1x |",
          repeats, ms(process)), "",
  sprintf("| RSS over %d round trips, each side building and fitting a keras3 model | trip 1 | last trip | growth |", # nolint: line_length_linter.
          round_trips), "|---|---|---|---|",
  sprintf("| kswitch, tensorflow <-> jax | %.0f MB | %.0f MB | **%s** |", rss$switching[1],
          rss$switching[round_trips], growth(rss$switching)),
  sprintf("| no switching: tensorflow only (TensorFlow's own per-model baseline) | %.0f MB | %.0f MB | %s |", # nolint: line_length_linter.
          rss$tensorflow_only[1], rss$tensorflow_only[round_trips], growth(rss$tensorflow_only)),
  ""
)
writeLines(lines)
if (!quick) {
  write_results_section(lines, "^## 5\\. With keras3")
}
