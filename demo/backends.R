# The tutorial's experiment, in ONE R session: list the backends, then train the same
# model on tensorflow, jax and torch by switching the backend in place.
# Run it with `make demo`, or demo("backends", package = "kswitch").
library(kswitch)

cat("Backends in this Python:\n")
print(backends(), row.names = FALSE)

# The tutorial's data: 1000 x 20 uniform inputs, random 0/1 labels, a 100-row test set.
set.seed(2019)
x_train <- matrix(runif(1000 * 20), nrow = 1000)
y_train <- matrix(sample(0:1, 1000, replace = TRUE), ncol = 1)
x_test <- matrix(runif(100 * 20), nrow = 100)
y_test <- matrix(sample(0:1, 100, replace = TRUE), ncol = 1)

train_tutorial_model <- function(backend) {
  use_backend(backend, persist = FALSE)  # this session only: keras.json is left alone
  keras <- keras_module()
  keras$utils$set_random_seed(2019L)
  model <- keras$Sequential(list(
    keras$Input(shape = list(20L)),
    keras$layers$Dense(64L, activation = "relu"),
    keras$layers$Dropout(0.5),
    keras$layers$Dense(64L, activation = "relu"),
    keras$layers$Dropout(0.5),
    keras$layers$Dense(1L, activation = "sigmoid")
  ))
  model$compile(loss = "binary_crossentropy", optimizer = "rmsprop",
                metrics = list("accuracy"))
  seconds <- system.time(
    model$fit(x_train, y_train, epochs = 20L, batch_size = 128L, verbose = 0L)
  )[["elapsed"]]
  score <- model$evaluate(x_test, y_test, batch_size = 128L, verbose = 0L)
  data.frame(backend = backend(), fit_seconds = seconds, test_loss = score[[1]],
             test_accuracy = score[[2]])
}

results <- do.call(rbind, lapply(c("tensorflow", "jax", "torch"), train_tutorial_model))
cat("\nThe tutorial's model (20 epochs, batch 128), one R session:\n")
print(results, row.names = FALSE, digits = 4)
