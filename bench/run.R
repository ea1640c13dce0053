# kswitch benchmarks: every number is measured in THIS run, kswitch beside its anchor, each
# in its own fresh R process. Run with `make bench` (or `Rscript bench/run.R`); it prints the
# tables and rewrites bench/RESULTS.md. Options: --quick (fewer repeats, for a smoke run).
args <- commandArgs(trailingOnly = TRUE)
quick <- "--quick" %in% args
repeats <- if (quick) 2L else 5L            # fresh processes per first-switch measurement
round_trips <- if (quick) 10L else 50L      # for switch-back timing and the RSS benchmark
calls <- if (quick) 200L else 2000L         # per-call overhead

home <- tempfile("kswitch-bench-")
dir.create(home)
on.exit(unlink(home, recursive = TRUE), add = TRUE)
Sys.setenv(KERAS_HOME = file.path(home, "keras"), TF_CPP_MIN_LOG_LEVEL = "3",
           TORCHINDUCTOR_CACHE_DIR = file.path(home, "torchinductor"), KERAS_BACKEND = "")

fresh <- function(fn, args = list()) callr::r(fn, args = args, libpath = .libPaths())
median_of <- function(x) stats::median(unlist(x))
env_python <- kswitch:::env_python("r-keras")  # kswitch's rule for where the env lives

# 1. First switch to a backend, Keras already imported on tensorflow ------------------------
first_kswitch <- function(to) {
  library(kswitch)
  keras_module()$ops$ones(list(2L))  # tensorflow imported and used
  start <- proc.time()[["elapsed"]]
  suppressMessages(use_backend(to, persist = FALSE))
  keras_module()$ops$ones(list(2L))
  proc.time()[["elapsed"]] - start
}
first_set_backend <- function(to, python) {
  reticulate::use_python(python, required = TRUE)
  keras <- reticulate::import("keras")
  keras$ops$ones(list(2L))
  start <- proc.time()[["elapsed"]]
  suppressWarnings(keras$config$set_backend(to))
  keras <- reticulate::import("keras")
  keras$ops$ones(list(2L))
  proc.time()[["elapsed"]] - start
}
# The R keras packages' only way: a new R process that imports Keras on that backend.
first_new_process <- function(to, python) {
  script <- sprintf(paste0("Sys.setenv(KERAS_BACKEND = '%s'); reticulate::use_python('%s', ",
                           "required = TRUE); invisible(reticulate::import('keras')$ops$ones(",
                           "list(2L)))"), to, python)
  start <- proc.time()[["elapsed"]]
  system2(file.path(R.home("bin"), "Rscript"), c("-e", shQuote(script)), stdout = FALSE,
          stderr = FALSE)
  proc.time()[["elapsed"]] - start
}

# 2. Switch back to a backend already loaded -----------------------------------------------
back_kswitch <- function(n) {
  library(kswitch)
  for (b in c("tensorflow", "jax")) suppressMessages(use_backend(b, persist = FALSE))
  keras_module()
  r_level <- vapply(seq_len(n), function(i) {
    to <- if (i %% 2) "tensorflow" else "jax"
    start <- proc.time()[["elapsed"]]
    suppressMessages(use_backend(to, persist = FALSE))
    proc.time()[["elapsed"]] - start
  }, 0)
  py <- reticulate::py_run_string(paste(
    "import time, statistics",
    "from kswitch import switch",
    "times = []",
    sprintf("for i in range(%d):", n),
    "    t = time.perf_counter(); switch.switch('jax' if i % 2 == 0 else 'tensorflow')",
    "    times.append(time.perf_counter() - t)",
    "py_median = statistics.median(times)", sep = "\n"))
  c(r = stats::median(r_level), python = py$py_median)
}
back_set_backend <- function(n, python) {
  reticulate::use_python(python, required = TRUE)
  keras <- reticulate::import("keras")
  suppressWarnings(keras$config$set_backend("jax"))
  times <- vapply(seq_len(n), function(i) {
    to <- if (i %% 2) "tensorflow" else "jax"
    start <- proc.time()[["elapsed"]]
    suppressWarnings(reticulate::import("keras")$config$set_backend(to))
    proc.time()[["elapsed"]] - start
  }, 0)
  stats::median(times)
}

# 3. RSS over round trips tensorflow <-> jax, a small fit on each side ----------------------
# TensorFlow itself keeps ~2 MB per newly built model, switching or not, so the run also
# measures that baseline, and kswitch's own use: each backend keeps its model across
# switches (with set_backend() a model does not survive the re-import, so it needs new ones).
rss_mb <- function() {
  line <- grep("^VmRSS:", readLines("/proc/self/status"), value = TRUE)
  as.numeric(gsub("[^0-9]", "", line)) / 1024
}
rss_trips <- function(n, mode, python, rss_mb) {
  if (mode == "set_backend") {
    reticulate::use_python(python, required = TRUE)
    switch_to <- function(b) {
      suppressWarnings(reticulate::import("keras")$config$set_backend(b))
      reticulate::import("keras")
    }
  } else {
    library(kswitch)
    switch_to <- function(b) {
      suppressMessages(use_backend(b, persist = FALSE))
      keras_module()
    }
  }
  x <- matrix(runif(256 * 20), 256)
  y <- matrix(sample(0:1, 256, TRUE), 256)
  models <- list()
  fit <- function(keras, b) {
    if (mode != "kswitch_keep" || is.null(models[[b]])) {
      model <- keras$Sequential(list(keras$Input(shape = list(20L)),
                                     keras$layers$Dense(16L, activation = "relu"),
                                     keras$layers$Dense(1L, activation = "sigmoid")))
      model$compile(optimizer = "rmsprop", loss = "binary_crossentropy")
      models[[b]] <<- model
    }
    models[[b]]$fit(x, y, epochs = 1L, batch_size = 64L, verbose = 0L)
  }
  sides <- if (mode == "tensorflow_only") "tensorflow" else c("tensorflow", "jax")
  rss <- numeric(n)
  for (i in seq_len(n)) {
    for (b in sides) {
      keras <- switch_to(b)
      if (mode != "kswitch_no_fit") fit(keras, b)
    }
    gc()
    reticulate::import("gc")$collect()
    rss[i] <- rss_mb()
  }
  rss
}

# 4. Start-up and per-call cost ------------------------------------------------------------
load_time <- function(pkg) {
  script <- sprintf(paste0("t <- proc.time()[['elapsed']]; suppressMessages(library(%s)); ",
                           "cat(proc.time()[['elapsed']] - t, reticulate::py_available())"), pkg)
  out <- system2(file.path(R.home("bin"), "Rscript"), c("-e", shQuote(script)), stdout = TRUE)
  parts <- strsplit(out[length(out)], " ")[[1]]
  list(seconds = as.numeric(parts[1]), python_started = as.logical(parts[2]))
}
per_call <- function(n) {
  library(kswitch)
  keras <- reticulate::import("keras")
  each <- function(f) {
    f()
    start <- proc.time()[["elapsed"]]
    for (i in seq_len(n)) f()
    (proc.time()[["elapsed"]] - start) / n
  }
  c(k_epsilon = each(k_epsilon), keras_epsilon = each(function() keras$config$epsilon()),
    backend = each(backend), keras_backend = each(function() keras$config$backend()))
}

# Run ---------------------------------------------------------------------------------------
cat("Benchmarking (", if (quick) "quick" else "full", " run)...\n", sep = "")
first <- lapply(c("jax", "torch"), function(to) {
  c(to = to,
    kswitch = median_of(lapply(seq_len(repeats), function(i) fresh(first_kswitch, list(to)))),
    set_backend = median_of(lapply(seq_len(repeats), function(i) {
      fresh(first_set_backend, list(to, env_python))
    })),
    new_process = median_of(lapply(seq_len(repeats), function(i) {
      first_new_process(to, env_python)
    })))
})
back_k <- fresh(back_kswitch, list(round_trips * 2L))
back_s <- fresh(back_set_backend, list(if (quick) 6L else 20L, env_python))
rss_modes <- c(kswitch_keep = "kswitch, each backend keeps its model across switches",
               kswitch_new = "kswitch, a new model for every fit",
               set_backend = "`keras.config.set_backend()`, a new model for every fit",
               tensorflow_only = "no switching: tensorflow only, a new model for every fit",
               kswitch_no_fit = "kswitch, switches only (no fit)")
rss <- lapply(names(rss_modes), function(mode) {
  fresh(rss_trips, list(round_trips, mode, env_python, rss_mb))
})
names(rss) <- names(rss_modes)
loads <- lapply(seq_len(repeats), function(i) {
  list(reticulate = load_time("reticulate"), kswitch = load_time("kswitch"))
})
calls_cost <- fresh(per_call, list(calls))

# Report ------------------------------------------------------------------------------------
ms <- function(s) sprintf("%.1f ms", 1000 * s)
us <- function(s) sprintf("%.0f µs", 1e6 * s)
ratio <- function(a, b) sprintf("%.1fx", a / b)
growth <- function(rss) rss[length(rss)] - rss[1]
lib_r <- median_of(lapply(loads, function(l) l$reticulate$seconds))
lib_k <- median_of(lapply(loads, function(l) l$kswitch$seconds))
python_started <- any(vapply(loads, function(l) l$kswitch$python_started, NA))

versions <- fresh(function() {
  library(kswitch)
  b <- backends()
  c(R = paste(R.version$major, R.version$minor, sep = "."),
    reticulate = as.character(utils::packageVersion("reticulate")),
    keras = keras_config()$keras_version,
    stats::setNames(b$version, b$backend)[c("tensorflow", "jax", "torch")])
})
cpu <- sub(".*: ", "", grep("model name", readLines("/proc/cpuinfo"), value = TRUE)[1])
mem <- sub("MemTotal: *", "", grep("MemTotal", readLines("/proc/meminfo"), value = TRUE))

lines <- c(
  "# kswitch benchmark results", "",
  sprintf("Measured %s by `make bench`%s, on %d cores (%s), %s memory.",
          format(Sys.time(), "%Y-%m-%d %H:%M UTC", tz = "UTC"), if (quick) " --quick" else "",
          parallel::detectCores(), cpu, mem),
  sprintf("Versions: %s.", paste(names(versions), versions, collapse = ", ")),
  "Every kswitch number is measured beside its anchor in the same run; each row's",
  "processes are fresh R sessions. Medians over the repeats given.", "",
  "## 1. First switch to a backend (Keras already imported on tensorflow)", "",
  sprintf("Median of %d fresh processes each. New process = a new R session importing Keras on",
          repeats),
  "that backend (the only way the R keras packages offer).", "",
  "| to | kswitch `use_backend()` | `keras.config.set_backend()` | new R process | set_backend / kswitch | new process / kswitch |", # nolint: line_length_linter.
  "|---|---|---|---|---|---|",
  vapply(first, function(r) {
    k <- as.numeric(r[["kswitch"]]); s <- as.numeric(r[["set_backend"]])
    p <- as.numeric(r[["new_process"]])
    sprintf("| %s | %s | %s | %s | %s | %s |", r[["to"]], ms(k), ms(s), ms(p), ratio(s, k),
            ratio(p, k))
  }, ""), "",
  "## 2. Switch back to a backend already loaded (tensorflow <-> jax)", "",
  "| | per switch (median) | set_backend / this |", "|---|---|---|",
  sprintf("| kswitch `use_backend()` from R (%d switches) | %s | **%s** |", round_trips * 2L,
          ms(back_k[["r"]]), ratio(back_s, back_k[["r"]])),
  sprintf("| kswitch core swap, in Python | %s | %s |", ms(back_k[["python"]]),
          ratio(back_s, back_k[["python"]])),
  sprintf("| `keras.config.set_backend()` (%d switches) | %s | 1x |", if (quick) 6L else 20L,
          ms(back_s)), "",
  sprintf("## 3. Memory over %d round trips tensorflow <-> jax, a small fit on each side",
          round_trips), "",
  "| | RSS after trip 1 | RSS after last trip | growth |", "|---|---|---|---|",
  vapply(names(rss_modes), function(mode) {
    r <- rss[[mode]]
    bold <- if (mode == "kswitch_keep") "**" else ""
    sprintf("| %s | %.0f MB | %.0f MB | %s%+.0f MB%s |", rss_modes[[mode]], r[1], r[length(r)],
            bold, growth(r), bold)
  }, ""), "",
  paste("The switch itself adds nothing (last row). TensorFlow keeps about 2 MB for every",
        "newly built model whether or not anything switches (the tensorflow-only row), which",
        "is what the new-model kswitch row shows; `set_backend()` adds a whole Keras module",
        "tree per switch on top."), "",
  "## 4. Start-up and per-call cost", "",
  "| | kswitch | anchor | ratio |", "|---|---|---|---|",
  sprintf("| `library()` (median of %d fresh Rscript) | %s | %s (`library(reticulate)`) | %s |",
          repeats, ms(lib_k), ms(lib_r), ratio(lib_k, lib_r)),
  sprintf("| `k_epsilon()` per call (%d calls) | %s | %s (`keras$config$epsilon()`) | %s |",
          calls, us(calls_cost[["k_epsilon"]]), us(calls_cost[["keras_epsilon"]]),
          ratio(calls_cost[["k_epsilon"]], calls_cost[["keras_epsilon"]])),
  sprintf("| `backend()` per call (%d calls) | %s | %s (`keras$config$backend()`) | %s |",
          calls, us(calls_cost[["backend"]]), us(calls_cost[["keras_backend"]]),
          ratio(calls_cost[["backend"]], calls_cost[["keras_backend"]])), "",
  sprintf("`library(kswitch)` started Python: **%s**.", if (python_started) "yes" else "no")
)
writeLines(lines)
if (!quick) writeLines(lines, file.path("bench", "RESULTS.md"))
