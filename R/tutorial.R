# The 2019 tutorials' benchmark (seeds: keras-backend-tensorflow-and-theano) on the current
# backend, timed: used by the legacy tests and bench/legacy.R.
tutorial_run <- function(epochs = 20L, seed = 1L) {
  keras <- keras_module()
  timer <- step_timer()
  out <- tutorial_fit(keras, tutorial_data(seed), epochs, 128L, timer$step)
  c(list(backend = backend(), keras = keras$`__version__`, seconds = timer$seconds$fit), out)
}
