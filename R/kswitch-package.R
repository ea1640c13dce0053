#' @keywords internal
"_PACKAGE"

# Package state: the Python core, bound on first use (library(kswitch) starts no Python).
.kswitch <- new.env(parent = emptyenv())

#' @importFrom rlang %||%
NULL
