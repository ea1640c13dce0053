# The tutorial's experiment, reproduced: the same model (the Keras documentation's MLP for
# binary classification, 20 epochs in batches of 128) trained on Keras 3's tensorflow, jax
# and torch and on the tutorial's own multi-backend Keras 2.3.1 (TensorFlow 1.14, Theano,
# CNTK), three runs each, every run in a new R process; prints one table and draws one plot.
# Run it with `make demo` (which installs both environments and writes the plot to
# man/figures/compare-backends.png), or demo("backends", package = "kswitch"), or
# `Rscript demo/backends.R <plot.png>`. Without the Keras 2.3.1 environment
# (`kswitch::install_backends(c("keras2-tensorflow", "theano", "cntk"))`) its rows say so.
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
