# kswitch on reticulate's managed Python (keras3's default): the first switch to jax in a
# session that already fitted on tensorflow (the request, which layers an environment from
# uv's cache, plus Keras's import on jax and a fit) beside what a keras3 user does today
# (restart R with keras3 on jax and fit), and the warm switch back. Every number is measured
# in this run, each side in fresh R processes on managed Python (no r-keras env).
# Needs `make managed-python`; run with CRAN's reticulate and keras3 on the library path:
# `make bench` does (KSWITCH_MANAGED_ROOT=.cache/managed R_LIBS=.cache/r-cran-lib Rscript
# bench/managed.R). Options: --quick. It rewrites section 7 of bench/RESULTS.md.
source(file.path("bench", "common.R"))
repeats <- if (quick) 1L else 3L
fresh_managed <- function(fn, args = list()) {
  callr::r(fn, args = args, libpath = .libPaths(), env = managed_python_env())
}

fit <- function() {
  x <- matrix(runif(640), 32)
  model <- keras3::keras_model_sequential(input_shape = 20) |> keras3::layer_dense(1)
  keras3::compile(model, loss = "mse", optimizer = "sgd")
  keras3::fit(model, x, runif(32), epochs = 1, verbose = 0)
}

# kswitch: on tensorflow and fitted; then the first switch to jax (request + import) and a
# fit; then switches back and forth, warm.
kswitch_side <- function(fit) {
    library(keras3)
    library(kswitch)
    fit()
    now <- function() proc.time()[["elapsed"]]
    start <- now()
    suppressMessages(kswitch::use_backend("jax", persist = FALSE))
    fit()
    first <- now() - start
    warm <- vapply(1:20, function(i) {
      to <- if (i %% 2) "tensorflow" else "jax"
      t0 <- Sys.time()
      suppressMessages(kswitch::use_backend(to, persist = FALSE))
      as.numeric(Sys.time() - t0, units = "secs")
    }, 0)
    c(first = first, warm = stats::median(warm))
}
# Today: a new R process with keras3 on jax (keras3::use_backend() before Keras loads), a fit.
restart_side <- function(fit) {
  library(keras3)
  keras3::use_backend("jax")
  fit()
}

ks <- lapply(seq_len(repeats), function(i) fresh_managed(kswitch_side, list(fit = fit)))
first <- vapply(ks, `[[`, 0, "first")
warm <- vapply(ks, `[[`, 0, "warm")
restart <- vapply(seq_len(repeats), function(i) {
  start <- proc.time()[["elapsed"]]
  fresh_managed(restart_side, list(fit = fit))
  proc.time()[["elapsed"]] - start
}, 0)

lines <- c(
  "## 7. On reticulate's managed Python (keras3's default; no r-keras env)",
  "",
  measured_line("bench/managed.R", sprintf(
    "Medians of %d runs, each in a fresh R process; uv's cache warm.", repeats)),
  "",
  "| What | Seconds | Ratio |",
  "|---|---:|---:|",
  sprintf("| Restart R with keras3 on jax and fit (today) | %.2f | 1 |", stats::median(restart)),
  sprintf(paste("| kswitch: first switch to jax after a tensorflow fit (request + import +",
                "fit) | %.2f | %.2f |"), stats::median(first),
          stats::median(first) / stats::median(restart)),
  sprintf("| kswitch: warm switch tensorflow <-> jax | %.4f | %.4f |",
          stats::median(warm), stats::median(warm) / stats::median(restart))
)
writeLines(lines)
write_results_section(lines, "^## 7\\. ")
