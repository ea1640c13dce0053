# Which Python (#26): what asking reticulate costs. `library(kswitch)` (it must start no
# Python) and a warm switch back tensorflow <-> jax on reticulate's managed Python, this build
# beside the previous one (main at 710e634, built from git), in fresh R processes taking
# turns. `library(kswitch)` is timed on managed Python (no r-keras: the start-up request
# asks a child Python) and beside kswitch's r-keras (no request), after keras3 as most users
# attach them. Needs `make managed-python` and a git checkout; `make bench` runs it
# (KSWITCH_MANAGED_ROOT=.cache/managed R_LIBS=.cache/r-cran-lib Rscript bench/kinds.R).
# Options: --quick. It rewrites section 9 of bench/RESULTS.md.
source(file.path("bench", "common.R"))
rounds <- if (quick) 2L else 6L
in_process <- function(fn, libpath, env) callr::r(fn, libpath = libpath, env = env)

load_kswitch <- function() {
  library(keras3)
  seconds <- system.time(library(kswitch))[["elapsed"]]
  stopifnot(!reticulate::py_available())  # started no Python
  seconds
}
warm_back <- function() {
  library(keras3)
  library(kswitch)
  for (b in c("tensorflow", "jax")) suppressMessages(kswitch::use_backend(b, persist = FALSE))
  times <- vapply(1:20, function(i) {
    to <- if (i %% 2) "tensorflow" else "jax"
    start <- Sys.time()
    suppressMessages(kswitch::use_backend(to, persist = FALSE))
    as.numeric(Sys.time() - start, units = "secs")
  }, 0)
  stats::median(times)
}

previous <- "710e634"
previous_lib <- anchor_library(previous)
builds <- list(this = .libPaths(), previous = c(previous_lib, .libPaths()))
managed <- managed_python_env()
beside_r_keras <- c(callr::rcmd_safe_env(), KERAS_HOME = Sys.getenv("KERAS_HOME"),
                    TF_CPP_MIN_LOG_LEVEL = "3", KERAS_BACKEND = NA, RETICULATE_PYTHON = NA)
figures <- list(
  load_managed = list(fn = load_kswitch, env = managed),
  load_kswitch_env = list(fn = load_kswitch, env = beside_r_keras),
  warm_managed = list(fn = warm_back, env = managed))
cat("Benchmarking which-Python costs (", if (quick) "quick" else "full", " run)...\n", sep = "")
results <- lapply(figures, function(figure) {
  vapply(seq_len(rounds), function(i) {
    sides <- if (i %% 2) c("this", "previous") else c("previous", "this")
    times <- c(this = 0, previous = 0)
    for (side in sides) times[[side]] <- in_process(figure$fn, builds[[side]], figure$env)
    times
  }, c(this = 0, previous = 0))
})
row <- function(label, x, unit = 1000, fmt = "%.1f ms") {
  this <- stats::median(x["this", ])
  before <- stats::median(x["previous", ])
  sprintf("| %s | %s | %s | %.2f |", label, sprintf(fmt, unit * this), sprintf(fmt, unit * before),
          this / before)
}
lines <- c(
  "## 9. Which Python: library(kswitch) and a warm switch on managed Python",
  "",
  measured_line("bench/kinds.R", sprintf(paste(
    "Medians of %d fresh R processes per side, taking turns; the previous build is main at",
    "%s (before #26), built from git. keras3 attached first; uv's cache warm."),
    rounds, previous)),
  "",
  "| What | this build | previous build | ratio |",
  "|---|---:|---:|---:|",
  row("`library(kswitch)` on managed Python (no r-keras; starts no Python)",
      results$load_managed),
  row("`library(kswitch)` beside kswitch's r-keras (starts no Python)", results$load_kswitch_env),
  row("warm switch back tensorflow <-> jax on managed Python", results$warm_managed,
      fmt = "%.2f ms")
)
writeLines(lines)
write_results_section(lines, "^## 9\\. ")
