# kswitch's carry_model() beside what a keras3 user does today to take a model trained on
# one backend to another: save_model(), then a new R process on the other backend that loads
# keras3 and the file and predicts. Both sides start from the same model trained on jax and
# end with its predictions on tensorflow; every number is measured in this run, each side
# in fresh R processes.
# Run with CRAN's reticulate and keras3 on the library path: `make bench` does
# (R_LIBS=.cache/r-cran-lib Rscript bench/carry.R). Options: --quick. It prints the table and
# rewrites section 6 of bench/RESULTS.md (bench/common.R).
source(file.path("bench", "common.R"))
repeats <- if (quick) 2L else 5L
carries <- if (quick) 5L else 20L

# The model both sides move: the tutorial's data and a small keras3 model, trained on jax.
train_on_jax <- function() {
  data <- kswitch::tutorial_data(2019)
  model <- keras3::keras_model_sequential(input_shape = 20) |>
    keras3::layer_dense(64, activation = "relu") |>
    keras3::layer_dense(1, activation = "sigmoid")
  model |> keras3::compile(optimizer = "rmsprop", loss = "binary_crossentropy")
  model |> keras3::fit(data$x_train, data$y_train, epochs = 2, batch_size = 128, verbose = 0)
  list(model = model, x = data$x_train)
}

# kswitch: carry to tensorflow and predict there. The first carry imports TensorFlow; later
# ones find both backends loaded (the model's own jax, then tensorflow).
with_kswitch <- function(n, train_on_jax) {
  library(keras3)
  library(kswitch)
  suppressMessages(use_backend("jax", persist = FALSE))
  trained <- train_on_jax()
  carry <- function() {
    start <- proc.time()[["elapsed"]]
    carried <- suppressMessages(carry_model(trained$model, "tensorflow"))
    predict(carried, trained$x, verbose = 0)
    stopifnot(config_backend() == "tensorflow")
    proc.time()[["elapsed"]] - start
  }
  first <- carry()
  c(first = first, warm = stats::median(vapply(seq_len(n), function(i) carry(), 0)))
}

# Today: save_model() in the session that trained it, then a new R process on tensorflow that
# loads keras3 and the model and predicts.
with_new_process <- function(n, train_on_jax, dir) {
  Sys.setenv(KERAS_BACKEND = "jax")
  library(keras3)
  trained <- train_on_jax()
  data <- file.path(dir, "x.rds")
  saveRDS(trained$x, data)
  script <- paste0("Sys.setenv(KERAS_BACKEND = 'tensorflow'); library(keras3); ",
                   "m <- load_model('", file.path(dir, "model.keras"), "'); ",
                   "p <- predict(m, readRDS('", data, "'), verbose = 0); ",
                   "stopifnot(config_backend() == 'tensorflow')")
  times <- vapply(seq_len(n), function(i) {
    start <- proc.time()[["elapsed"]]
    save_model(trained$model, file.path(dir, "model.keras"), overwrite = TRUE)
    status <- system2(file.path(R.home("bin"), "Rscript"), c("-e", shQuote(script)),
                      stdout = FALSE, stderr = FALSE)
    stopifnot(status == 0)
    proc.time()[["elapsed"]] - start
  }, 0)
  stats::median(times)
}

cat("Benchmarking carry_model() (", if (quick) "quick" else "full", " run)...\n", sep = "")
kswitch_runs <- lapply(seq_len(repeats),
                       function(i) fresh(with_kswitch, list(carries, train_on_jax)))
first <- stats::median(vapply(kswitch_runs, function(r) r[["first"]], 0))
warm <- stats::median(vapply(kswitch_runs, function(r) r[["warm"]], 0))
process <- fresh(with_new_process, list(repeats, train_on_jax, home))

s <- function(x) sprintf("%.2f s", x)
lines <- c(
  "## 6. Carry a trained model to another backend (keras3)", "",
  measured_line("bench/carry.R", paste(
    "The tutorial's data, a keras3 model (Dense 64, Dense 1) trained on jax; each side ends",
    "with its predictions on tensorflow.")), "",
  "| jax -> tensorflow, then predict | median | today / this |", "|---|---|---|",
  sprintf("| kswitch `carry_model()`, first carry: TensorFlow imported then (%d fresh R processes) | **%s** | %.1fx |", # nolint: line_length_linter.
          repeats, s(first), process / first),
  sprintf("| kswitch `carry_model()`, both backends loaded (%d carries per process) | **%s** | %.0fx |", # nolint: line_length_linter.
          carries, s(warm), process / warm),
  sprintf("| today: `save_model()`, then a new R process on tensorflow that loads keras3 and the model and predicts (%d runs) | %s | 1x |", # nolint: line_length_linter.
          repeats, s(process)), ""
)
writeLines(lines)
if (!quick) {
  write_results_section(lines, "^## 6\\. Carry")
}
