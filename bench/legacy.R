# The 2019 tutorial's table (seeds: keras-backend-tensorflow-and-theano), reproduced from R
# with kswitch on multi-backend Keras 2.3.1: TensorFlow 1.14, Theano 1.0.4 and CNTK 2.7 in
# one R session. Run in a new R session (use_backend("theano") must come first, to bind the
# Keras 2.3.1 environment): Rscript bench/legacy.R
# Each backend runs twice on the same data; the first run includes graph building and, on
# Theano, compiling C code (cached afterwards). Accuracy comes from predictions: Keras 2.3.1
# on CNTK reports the accuracy metric one batch late (0 for this one-batch evaluation).
library(kswitch)
withr::local_envvar(THEANO_FLAGS = paste0("base_compiledir=", tempfile("theano-")))
local_keras_home()
runs <- list()
for (name in c("theano", "tensorflow", "cntk")) {
  suppressMessages(use_backend(name, persist = FALSE))
  cold <- kswitch:::tutorial_run()
  warm <- kswitch:::tutorial_run()
  runs[[name]] <- data.frame(
    backend = name, version = subset(backends(), backend == name)$version[[1]],
    first_s = round(cold$seconds, 3), seconds = round(warm$seconds, 3),
    loss = round(warm$loss, 4), accuracy = round(warm$accuracy, 4),
    keras_reported_accuracy = round(warm$keras_accuracy, 4))
}
results <- do.call(rbind, runs)
tutorial <- data.frame(backend = c("tensorflow", "theano"), tutorial_s = c(0.5446, 1.066),
                       tutorial_loss = c(0.6998, 0.6747), tutorial_accuracy = c(0.4199, 0.67))
table <- merge(results, tutorial, all.x = TRUE, sort = FALSE)
cat(sprintf("Keras %s, Python %s, %s\n", keras_module()$`__version__`,
            reticulate::py_config()$version, R.version.string))
cat("| backend | version | 1st run (s) | time (s) | loss | accuracy | Keras's accuracy |",
    "tutorial time (s) | tutorial loss | tutorial accuracy |\n|", strrep("---|", 10), "\n")
for (i in seq_len(nrow(table))) {
  cat("|", paste(vapply(table[i, ], function(v) if (is.na(v)) "" else format(v), ""),
                 collapse = " | "), "|\n")
}
