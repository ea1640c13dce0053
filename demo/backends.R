# The tutorial's experiment, reproduced: the same model (the Keras documentation's MLP for
# binary classification, 20 epochs in batches of 128) trained on Keras 3's tensorflow, jax
# and torch and on the tutorial's own multi-backend Keras 2.3.1 (TensorFlow 1.14, Theano,
# CNTK), three runs each, every run in a new R process; prints one table and draws one plot.
# Run it with `make demo` (which installs both environments and writes the plot to
# man/figures/compare-backends.png), or demo("backends", package = "kswitch"), or
# `Rscript demo/backends.R <plot.png>`. Without the Keras 2.3.1 environment
# (`kswitch::install_backends(c("keras2-tensorflow", "theano", "cntk"))`) its rows say so.
# Then a keras3 user's flow: the same model written with keras3's functions, compared on
# tensorflow, jax and torch in this one R session (needs the R package keras3).
library(kswitch)

cat("Backends, in both Python environments:\n")
known <- backends()
print(known[names(known) != "python"], row.names = FALSE)

cat("\nThe tutorial's model on each backend (3 runs, each in a new R process):\n")
result <- compare_backends(tutorial_task(),
                           backends = c("tensorflow", "jax", "torch",
                                        "keras2-tensorflow", "theano", "cntk"),
                           repeats = 3, isolate = "process")
# The table with both Keras generations is wider than 80 columns.
withr::with_options(list(width = 100), print(result))

plot_file <- commandArgs(trailingOnly = TRUE)[1]
if (is.na(plot_file)) plot_file <- file.path(tempdir(), "compare-backends.png")
dir.create(dirname(plot_file), showWarnings = FALSE, recursive = TRUE)
grDevices::png(plot_file, width = 1200, height = 480, res = 110)
plot(result)
invisible(grDevices::dev.off())
cat("\nPlot written to", plot_file, "\n")

cat("\nThe same model written with keras3's functions, compared in this R session:\n")
keras3_task <- function(keras, seed, step) {
  data <- tutorial_data(seed)
  model <- keras3::keras_model_sequential(input_shape = 20) |>
    keras3::layer_dense(64, activation = "relu") |>
    keras3::layer_dropout(0.5) |>
    keras3::layer_dense(64, activation = "relu") |>
    keras3::layer_dropout(0.5) |>
    keras3::layer_dense(1, activation = "sigmoid")
  keras3::compile(model, loss = "binary_crossentropy", optimizer = "rmsprop",
                  metrics = "accuracy")
  step("fit", keras3::fit(model, data$x_train, data$y_train, epochs = 20, batch_size = 128,
                          verbose = 0))
  score <- step("evaluate", keras3::evaluate(model, data$x_test, data$y_test,
                                             batch_size = 128, verbose = 0))
  # The whole test set in one batch: a partial last batch would make TensorFlow trace the
  # predict function again in every run (its "tf.function retracing" warning).
  predicted <- stats::predict(model, data$x_test, batch_size = 128, verbose = 0) > 0.5
  list(loss = score[["loss"]], accuracy = mean(predicted == (data$y_test == 1)),
       keras3_on_it = keras3::config_backend())
}
if (requireNamespace("keras3", quietly = TRUE)) {
  in_session <- compare_backends(keras3_task, backends = c("tensorflow", "jax", "torch"),
                                 repeats = 3, isolate = "session")
  withr::with_options(list(width = 100), print(in_session))
  cat("keras3_on_it: the backend keras3::config_backend() said each run was on.\n")
} else {
  cat("Skipped: the R package keras3 is not installed (`make demo` installs it).\n")
}
