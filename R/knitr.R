# The knitr chunk option `keras_backend`: ```{r, keras_backend = "jax"}``` runs that chunk,
# R or Python (reticulate's engine runs in this same Python), on jax, then restores the
# previous backend. Registered when knitr is loaded; knitr is not a dependency.

#' A backend per R Markdown chunk: the `keras_backend` chunk option
#'
#' With kswitch loaded, a chunk with the option `keras_backend = "jax"` runs on jax (an R
#' chunk, or a Python chunk: reticulate's engine runs in this same Python), and the
#' document's backend is back after the chunk, also when the chunk fails. Objects made in
#' such a chunk keep running on their own backend afterwards. On reticulate's managed Python
#' the chunk requests its backend's packages first (see [use_backend()]).
#'
#' A switch that fails (an unknown name, a backend that is not installed) is a chunk error
#' like any other: with knitr's `error = TRUE` the chunk shows it and does not run;
#' otherwise (rmarkdown's default) knitting stops. Nothing is persisted to `keras.json`.
#' The option is registered when knitr loads; knitr is not a dependency.
#'
#' @name keras_backend_chunk_option
#' @family notebooks
#' @examplesIf requireNamespace("knitr", quietly = TRUE) && backend_available("jax")
#' doc <- c("```{r, keras_backend = \"jax\"}", "kswitch::backend()", "```",
#'          "```{r}", "kswitch::backend()", "```")
#' cat(knitr::knit(text = doc, quiet = TRUE), sep = "\n")
NULL

register_knitr_hook <- function(...) {
  knitr::opts_hooks$set(keras_backend = knitr_backend_option)
  knitr::knit_hooks$set(keras_backend = knitr_backend_hook)
}

# Switches before knitr decides whether to evaluate the chunk: a switch that fails is then a
# chunk error like any other. With `error = FALSE` (rmarkdown's default) it stops the
# document; otherwise the chunk shows the error and is not run, on no backend it asked for.
knitr_backend_option <- function(options) {
  if (isFALSE(options$eval)) return(options)
  state <- tryCatch({
    check_string(options$keras_backend, arg = "keras_backend")
    undo <- request_backend(options$keras_backend, argument = "keras_backend",
                            retry = sprintf("knit the chunk with `keras_backend = %s`",
                                            quoted(options$keras_backend)))
    withCallingHandlers(core_call("begin_scope", backend = options$keras_backend),
                        error = function(e) undo_request(undo))
  }, error = function(e) if (isFALSE(options$error)) stop(e) else e)
  if (inherits(state, "error")) {
    options$eval <- FALSE
    options$kswitch_error <- conditionMessage(state)
  } else {
    # A stack: if a failed chunk never reaches its `after` call, later chunks still restore
    # their own state.
    .kswitch$chunk_states <- c(list(state), .kswitch$chunk_states)
    options$kswitch_scope <- TRUE
  }
  options
}

knitr_backend_hook <- function(before, options, envir) {
  if (before) {
    if (!is.null(options$kswitch_error)) {
      error_hook <- knitr::knit_hooks$get("error")
      return(error_hook(paste0("## Error: ", options$kswitch_error, "\n"), options))
    }
  } else if (isTRUE(options$kswitch_scope) && length(.kswitch$chunk_states)) {
    state <- .kswitch$chunk_states[[1]]
    .kswitch$chunk_states <- .kswitch$chunk_states[-1]
    core_call("end_scope", state)
  }
  invisible(NULL)
}
