# What the benchmarks with keras3 (bench/keras3.R, bench/carry.R) share, sourced at their top:
# the --quick option, a private KERAS_HOME, fresh R processes, the versions their sections
# name, and writing their own section of bench/RESULTS.md (bench/run.R writes the file).
quick <- "--quick" %in% commandArgs(trailingOnly = TRUE)
home <- tempfile("kswitch-bench-")  # inside R's session temp dir, removed when R exits
dir.create(home)
Sys.setenv(KERAS_HOME = file.path(home, "keras"), TF_CPP_MIN_LOG_LEVEL = "3")
Sys.unsetenv("KERAS_BACKEND")
fresh <- function(fn, args = list()) callr::r(fn, args = args, libpath = .libPaths())

# The line under a section's heading: when, by which script, with which reticulate and keras3.
measured_line <- function(script, note = NULL) {
  versions <- fresh(function() {
    c(reticulate = format(utils::packageVersion("reticulate")),
      keras3 = format(utils::packageVersion("keras3")))
  })
  paste(c(sprintf("Measured %s by `make bench` (%s%s): %s.",
                  format(Sys.time(), "%Y-%m-%d %H:%M UTC", tz = "UTC"), script,
                  if (quick) ", --quick" else "",
                  paste(names(versions), versions, collapse = ", ")),
          note), collapse = " ")
}

# Replaces the section whose heading matches `heading`, or adds it at the end.
write_results_section <- function(lines, heading, file = file.path("bench", "RESULTS.md")) {
  results <- readLines(file)
  start <- grep(heading, results)[1]
  if (is.na(start)) {
    writeLines(c(results, "", lines), file)
    return(invisible())
  }
  headings <- grep("^## ", results)
  end <- c(headings[headings > start], length(results) + 1L)[1]
  rest <- if (end <= length(results)) results[end:length(results)] else character()
  writeLines(c(results[seq_len(start - 1L)], lines, rest), file)
}

# Warm switches tensorflow <-> jax with keras3 loaded, then `build()` on the new backend
# (bench/keras3.R, bench/objects.R): the medians of the switch and of switch plus model.
warm_switches <- function(n, build) {
  library(keras3)
  library(kswitch)
  for (b in c("jax", "tensorflow")) {
    suppressMessages(use_backend(b, persist = FALSE))
    build()
  }
  times <- vapply(seq_len(n), function(i) {
    to <- if (i %% 2) "jax" else "tensorflow"
    # Sys.time(): microseconds (proc.time() counts whole milliseconds, as much as a switch).
    start <- Sys.time()
    suppressMessages(use_backend(to, persist = FALSE))
    switched <- Sys.time()
    build()
    c(switch = as.numeric(switched - start, units = "secs"),
      with_model = as.numeric(Sys.time() - start, units = "secs"))
  }, c(switch = 0, with_model = 0))
  stopifnot(keras3::config_backend() == "tensorflow")
  apply(times, 1, stats::median)
}

# kswitch at `commit`, built from git into a private library (the anchor of a before/after
# figure: bench/objects.R, bench/kinds.R); needs a git checkout.
anchor_library <- function(commit) {
  src <- file.path(home, paste0("anchor-src-", commit))
  lib <- file.path(home, paste0("anchor-lib-", commit))
  dir.create(src)
  dir.create(lib)
  archive <- file.path(home, paste0("anchor-", commit, ".tar"))
  stopifnot(system2("git", c("archive", "-o", shQuote(archive), commit)) == 0)
  utils::untar(archive, exdir = src)
  status <- system2(file.path(R.home("bin"), "R"),
                    c("CMD", "INSTALL", "--no-test-load", "-l", shQuote(lib), shQuote(src)),
                    stdout = FALSE, stderr = FALSE)
  stopifnot(status == 0)
  lib
}

# A fresh R process's environment on reticulate's managed Python as `make managed-python` sets
# it up in KSWITCH_MANAGED_ROOT (tests/testthat/helper-managed.R does the same for the tests):
# uv, the Python it takes as managed, the CPU torch, no r-keras env (bench/managed.R,
# bench/kinds.R).
managed_python_env <- function() {
  root <- Sys.getenv("KSWITCH_MANAGED_ROOT", file.path(getwd(), ".cache", "managed"))
  dir.create(file.path(root, "venvs"), showWarnings = FALSE)
  c(callr::rcmd_safe_env(), KERAS_HOME = Sys.getenv("KERAS_HOME"), TF_CPP_MIN_LOG_LEVEL = "3",
    KERAS_BACKEND = NA, RETICULATE_PYTHON = NA,
    RETICULATE_UV = file.path(root, "uv-tool", "bin", "uv"),
    UV_PYTHON_INSTALL_DIR = file.path(root, "python"),
    UV_PYTHON_PREFERENCE = "only-managed", UV_PYTHON_DOWNLOADS = "never",
    UV_CACHE_DIR = file.path(root, "uv-cache"), UV_OVERRIDE = file.path(root, "overrides.txt"),
    KSWITCH_PYTORCH_INDEX_MIRROR = paste0("file://", file.path(root, "pytorch-index")),
    UV_FIND_LINKS = if (dir.exists("/opt/wheels")) "/opt/wheels" else NA,
    R_USER_CACHE_DIR = file.path(root, "r-user-cache"),
    RETICULATE_VIRTUALENV_ROOT = file.path(root, "venvs"), WORKON_HOME = NA)
}
