# The tutorial kswitch grew from: its model and seeded data, as a task for
# compare_backends(), and its benchmark on the current backend.

#' The tutorial's experiment, as a task for compare_backends()
#'
#' `tutorial_task()` is the model of the tutorial kswitch grew from, the Keras
#' documentation's multilayer perceptron for binary classification: inputs of 20
#' features, `Dense(64, relu)`, `Dropout(0.5)`, `Dense(64, relu)`, `Dropout(0.5)`,
#' `Dense(1, sigmoid)`, compiled with `binary_crossentropy` and `rmsprop`, metric
#' `accuracy`, fitted for 20 epochs in batches of 128 and evaluated on the test set in
#' batches of 128. `tutorial_data()` makes its data from a seed, in R, so every backend
#' and every process gets exactly the same numbers: `x_train` 1000 x 20 uniform on
#' \[0, 1), `y_train` 1000 x 1 of 0/1, `x_test` 100 x 20 and `y_test` 100 x 1 alike. The
#' labels are random, so no model can do better than chance on the test set: the
#' experiment compares speed, and shows that every backend computes the same kind of
#' result.
#'
#' @param epochs,batch_size Training epochs and batch size (the tutorial's: 20 and 128).
#' @param seed A whole number: the same seed gives the same data. The caller's random
#'   number state is left as it was.
#' @returns `tutorial_task()`: a function `function(keras, seed, step)` as
#'   [compare_backends()] takes, returning `c(loss = , accuracy = )`. It runs on Keras 3
#'   and on multi-backend Keras 2.3.1; accuracy is the share of test labels the model's
#'   predictions get right, computed by kswitch, since Keras 2.3.1 on CNTK reports its
#'   accuracy metric one batch late.
#'   `tutorial_data()`: a list of the matrices `x_train`, `y_train`, `x_test`, `y_test`.
#' @family comparison
#' @export
#' @examples
#' data <- tutorial_data(2019)
#' str(data)
#' task <- tutorial_task(epochs = 1)
#' step <- function(name, expr) expr  # compare_backends() passes one that times `expr`
#' if (backend_available(backend())) task(keras_module(), seed = 2019, step = step)
tutorial_task <- function(epochs = 20L, batch_size = 128L) {
  check_whole(epochs, min = 1)
  check_whole(batch_size, min = 1)
  epochs <- as.integer(epochs)
  batch_size <- as.integer(batch_size)
  function(keras, seed, step) {
    unlist(tutorial_fit(keras, tutorial_data(seed), epochs, batch_size, step)[
      c("loss", "accuracy")])
  }
}

# The tutorial's model on either Keras generation. Accuracy is computed from predictions:
# Keras 2.3.1 on CNTK reports its accuracy metric one batch late (0 for a one-batch
# evaluate()); `keras_accuracy` is Keras's own number, for showing that.
tutorial_fit <- function(keras, data, epochs, batch_size, step) {
  layers <- keras$layers
  keras2 <- python_generation() == 2L
  first <- if (keras2) list(layers$Dense(64L, input_dim = 20L, activation = "relu")) else
    list(keras$Input(shape = list(20L)), layers$Dense(64L, activation = "relu"))
  model <- keras$models$Sequential(c(first, list(
    layers$Dropout(0.5), layers$Dense(64L, activation = "relu"), layers$Dropout(0.5),
    layers$Dense(1L, activation = "sigmoid"))))
  model$compile(loss = "binary_crossentropy", optimizer = "rmsprop",
                metrics = list("accuracy"))
  step("fit", model$fit(data$x_train, data$y_train, epochs = as.integer(epochs),
                        batch_size = as.integer(batch_size), verbose = 0L))
  score <- step("evaluate", unlist(model$evaluate(data$x_test, data$y_test,
                                                  batch_size = as.integer(batch_size),
                                                  verbose = 0L)))
  predicted <- model$predict(data$x_test, verbose = 0L) > 0.5
  list(loss = score[[1]], accuracy = mean(predicted == (data$y_test == 1)),
       keras_accuracy = score[[2]])
}

#' @rdname tutorial_task
#' @export
tutorial_data <- function(seed) {
  check_whole(seed)
  # Explicit generators: the same numbers whatever RNGkind() the caller chose.
  withr::with_seed(seed, .rng_kind = "Mersenne-Twister", .rng_normal_kind = "Inversion",
                   .rng_sample_kind = "Rejection", {
    x_train <- matrix(stats::runif(1000 * 20), nrow = 1000)
    y_train <- matrix(sample(0:1, 1000, replace = TRUE), ncol = 1)
    x_test <- matrix(stats::runif(100 * 20), nrow = 100)
    y_test <- matrix(sample(0:1, 100, replace = TRUE), ncol = 1)
    list(x_train = x_train, y_train = y_train, x_test = x_test, y_test = y_test)
  })
}

# The 2019 tutorials' benchmark (seeds: keras-backend-tensorflow-and-theano) on the current
# backend, timed: used by the legacy tests and bench/legacy.R.
tutorial_run <- function(epochs = 20L, seed = 1L) {
  keras <- keras_module()
  timer <- step_timer()
  out <- tutorial_fit(keras, tutorial_data(seed), epochs, 128L, timer$step)
  c(list(backend = backend(), keras = keras$`__version__`, seconds = timer$seconds$fit), out)
}
