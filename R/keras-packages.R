#' kswitch with the R Keras packages: keras3 and keras
#'
#' R users write models with the R packages **keras3** (Keras 3) and **keras** 2.x (the
#' tutorials' multi-backend Keras 2.3.1). kswitch makes both follow every switch: after
#' [use_backend()], a scope ([with_backend()], [local_backend()], the knitr chunk option)
#' or a failed and rolled-back switch, their functions run on the session's backend.
#'
#' @section Shared names:
#' kswitch mirrors names that keras 2.x and keras3 export too. Whichever package is attached
#' last comes first on the search path; code written for those packages keeps working
#' either way:
#'
#' | Name | keras 2.x | keras3 | kswitch's, when it comes first |
#' |---|---|---|---|
#' | `use_backend()` | `use_backend(backend)`: sets `KERAS_BACKEND` before Keras loads | `use_backend(backend, gpu = NA)`: the same, an error once Keras is loaded | accepts both calls and switches the running session (`persist` must be named) |
#' | `backend()` | the backend *module* (`keras$backend`) | -- | not masked: with keras attached, `backend()` stays keras's; kswitch's (the name) is `kswitch::backend()` |
#' | `k_shape()` | a tensor | -- | not masked, as `backend()`: kswitch's (an integer vector) is `kswitch::k_shape()` |
#' | `k_backend()` | the backend's name | -- | the same name |
#' | `k_epsilon()`, `k_floatx()`, `k_image_data_format()` | the session's value | -- | the same value |
#' | `k_set_epsilon(e)`, `k_set_floatx(floatx)`, `k_set_image_data_format(data_format)` | sets it, returns `NULL` | -- | sets it (the same argument), returns the old value invisibly; kept across switches |
#' | `k_clear_session()` | `keras.backend.clear_session()` | -- | the same, on every Keras generation |
#'
#' When keras or keras3 is attached after kswitch, its `use_backend()` masks kswitch's:
#' kswitch then says once how to reach its own, `kswitch::use_backend()`.
#'
#' @name keras-packages
#' @aliases kswitch-keras3 kswitch-keras
#' @family backends
#' @examples
#' # Which names kswitch leaves to keras 2.x when both are attached:
#' kswitch:::keras2_own_names
NULL

# keras 2.x's backend() returns the backend module and its k_shape() a tensor; kswitch's
# return a name and dimensions. When keras is attached these names stay keras's.
keras2_own_names <- c("backend", "k_shape")

# .onAttach runs before R locks the attached environment: removing a binding here is what
# library(kswitch, exclude = ...) does.
unmask_keras2_names <- function() {
  if (!"package:keras" %in% search()) return(invisible())
  rm(list = keras2_own_names, envir = as.environment("package:kswitch"))
  packageStartupMessage(sprintf(paste(
    "kswitch leaves keras's %s to keras (they return a module and a tensor);",
    "kswitch's are kswitch::%s."), paste0(keras2_own_names, "()", collapse = " and "),
    paste0(keras2_own_names, "()", collapse = " and kswitch::")))
}

# When keras or keras3 is attached after kswitch, its use_backend() masks kswitch's.
tell_masked_once <- function(pkgname, ...) {
  if (!"package:kswitch" %in% search() || pkgname %in% .kswitch$told_masked) return()
  .kswitch$told_masked <- c(.kswitch$told_masked, pkgname)
  inform_kswitch(c(
    sprintf("%s::use_backend() now masks kswitch::use_backend().", pkgname),
    i = sprintf(paste("%s's only chooses the backend before Keras loads; to switch the running",
                      "session, call `kswitch::use_backend()`."), pkgname)
  ), class = "kswitch_message_masked")
}
