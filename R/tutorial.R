# The 2019 tutorials' benchmark (seeds: keras-backend-tensorflow-and-theano): random data,
# a small MLP, 20 epochs, on the current backend. Used by the tests, bench/legacy.R and a
# process-isolated comparison. Accuracy is computed from predictions: Keras 2.3.1 on CNTK
# reports the accuracy metric one batch late (0 for a one-batch evaluate()).
tutorial_run <- function(epochs = 20L, seed = 1L) {
  keras <- keras_module()
  set.seed(seed)
  x_train <- matrix(stats::runif(1000 * 20), nrow = 1000)
  y_train <- matrix(sample(0:1, 1000, replace = TRUE), ncol = 1)
  x_test <- matrix(stats::runif(100 * 20), nrow = 100)
  y_test <- matrix(sample(0:1, 100, replace = TRUE), ncol = 1)
  keras2 <- python_generation() == 2L
  layers <- keras$layers
  model <- keras$models$Sequential(c(
    if (!keras2) list(keras$Input(shape = list(20L))),  # Keras 3 has no input_dim
    if (keras2) layers$Dense(64L, input_dim = 20L, activation = "relu")
    else layers$Dense(64L, activation = "relu"),
    list(layers$Dropout(0.5), layers$Dense(64L, activation = "relu"), layers$Dropout(0.5),
         layers$Dense(1L, activation = "sigmoid"))
  ))
  model$compile(loss = "binary_crossentropy", optimizer = "rmsprop", metrics = list("accuracy"))
  start <- proc.time()[["elapsed"]]
  model$fit(x_train, y_train, epochs = as.integer(epochs), batch_size = 128L, verbose = 0L)
  seconds <- proc.time()[["elapsed"]] - start
  score <- unlist(model$evaluate(x_test, y_test, batch_size = 128L, verbose = 0L))
  predicted <- model$predict(x_test, verbose = 0L) > 0.5
  list(backend = backend(), keras = keras$`__version__`, seconds = seconds, loss = score[[1]],
       accuracy = mean(predicted == (y_test == 1)), keras_accuracy = score[[2]])
}
