# The 2019 tutorials' benchmark (seeds: keras-backend-tensorflow-and-theano) on the current
# backend, timed: used by the legacy tests and bench/legacy.R.
tutorial_run <- function(epochs = 20L, seed = 1L) {
  keras <- keras_module()
  seconds <- NA_real_
  step <- function(name, expr) {
    start <- now()
    value <- expr
    if (name == "fit") seconds <<- now() - start
    value
  }
  out <- tutorial_fit(keras, tutorial_data(seed), epochs, 128L, step)
  c(list(backend = backend(), keras = keras$`__version__`, seconds = seconds), out)
}
