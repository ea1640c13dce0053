# The tutorial's experiment, reproduced: the same model (the Keras documentation's MLP for
# binary classification, 20 epochs in batches of 128) trained on tensorflow, jax and torch,
# three runs each, every run in a new R process; prints the table and draws the plot.
# Run it with `make demo` (which writes the plot to man/figures/compare-backends.png), or
# demo("backends", package = "kswitch"), or `Rscript demo/backends.R <plot.png>`.
library(kswitch)

cat("Backends in this Python:\n")
print(backends(), row.names = FALSE)

cat("\nThe tutorial's model on each backend (3 runs, each in a new R process):\n")
result <- compare_backends(tutorial_task(), backends = c("tensorflow", "jax", "torch"),
                           repeats = 3, isolate = "process")
print(result)

plot_file <- commandArgs(trailingOnly = TRUE)[1]
if (is.na(plot_file)) plot_file <- file.path(tempdir(), "compare-backends.png")
dir.create(dirname(plot_file), showWarnings = FALSE, recursive = TRUE)
grDevices::png(plot_file, width = 900, height = 420, res = 110)
plot(result)
invisible(grDevices::dev.off())
cat("\nPlot written to", plot_file, "\n")
