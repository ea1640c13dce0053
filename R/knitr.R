# The knitr chunk option `keras_backend`: ```{r, keras_backend = "jax"}``` runs that chunk,
# R or Python (reticulate's engine runs in this same Python), on jax, then restores the
# previous backend. Registered when knitr is loaded; knitr is not a dependency.

register_knitr_hook <- function(...) {
  knitr::knit_hooks$set(keras_backend = knitr_backend_hook)
}

knitr_backend_hook <- function(before, options, envir) {
  if (before) {
    backend <- options$keras_backend
    check_string(backend, arg = "keras_backend")
    request_backend(backend, argument = "keras_backend")
    # A stack: if a failed chunk never reaches its `after` call, later chunks still restore
    # their own state.
    .kswitch$chunk_states <- c(list(core_call("begin_scope", backend = backend)),
                               .kswitch$chunk_states)
  } else if (length(.kswitch$chunk_states)) {
    state <- .kswitch$chunk_states[[1]]
    .kswitch$chunk_states <- .kswitch$chunk_states[-1]
    core_call("end_scope", state)
  }
  invisible(NULL)
}
