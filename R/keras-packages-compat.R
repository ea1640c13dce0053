# What kswitch reads inside the R Keras packages (keras3; keras 2.2.5.0), beyond their
# exported API, in one place. Each read is checked when used; where a release has moved it, a
# classed warning once (kswitch_warning_keras3_changed, ..._keras_changed) and a safe
# fallback. Checked against keras3 1.4.0 and 1.5.1, keras 2.2.5.0.

# The module objects each package keeps in its namespace, by binding name: keras3's `keras`
# and `ops`, keras's `keras` (kswitch points them at the active Keras tree).
package_modules <- list(keras3 = c(keras = "keras", ops = "keras.ops"), keras = c(keras = "keras"))

# The binding `name` of package `pkg`'s namespace (NULL before the package's .onLoad sets
# it). A binding the release no longer has: the package keeps making objects on the backend
# it first loaded on; they still run there, safely.
package_module <- function(pkg, name, ns = asNamespace(pkg)) {
  if (!exists(name, envir = ns, inherits = FALSE)) {
    what <- sprintf("`%s` (its %s module object)", name, package_modules[[pkg]][[name]])
    upstream_changed(pkg, what, paste(pkg, "keeps running on the backend Keras first loaded",
                                      "on; its objects still run on their own backend."))
    return(NULL)
  }
  get(name, envir = ns, inherits = FALSE)
}

# reticulate drops a load hook once it has run, so kswitch rebuilds keras3's from the body of
# keras3's .onLoad: `py_register_load_hook("keras", function() ...)`, evaluated where keras3's
# own functions are found.
keras3_load_hook <- function() {
  if (is.null(.kswitch$keras3_hook)) {
    ns <- asNamespace("keras3")
    expr <- find_call(keras3_onload(), c("py_register_load_hook",
                                         "reticulate::py_register_load_hook"), "keras")
    if (is.null(expr)) {
      upstream_changed("keras3", paste("a load hook for \"keras\" in its .onLoad",
                                       "(`py_register_load_hook(\"keras\", ...)`)"), paste(
        "keras3's tensor methods (as.array(), arithmetic, printing) may not cover the tensors",
        "of backends switched to after the first."))
    }
    .kswitch$keras3_hook <- if (is.null(expr)) FALSE else eval(expr[[3]], new.env(parent = ns))
  }
  .kswitch$keras3_hook
}

# The body of keras3's .onLoad, where kswitch reads keras3's load hook and its KERAS_BACKEND
# default (both unexported, so they can change in any release).
keras3_onload <- function() body(get(".onLoad", envir = asNamespace("keras3")))

# The backend keras3's .onLoad sets when KERAS_BACKEND is unset:
# `Sys.getenv("KERAS_BACKEND", "tensorflow")`.
keras3_default_backend <- function() {
  call <- find_call(keras3_onload(), c("Sys.getenv", "base::Sys.getenv"), "KERAS_BACKEND")
  if (is.null(call) || !is.character(call[[3]])) {
    upstream_changed("keras3", "`Sys.getenv(\"KERAS_BACKEND\", <default>)` in its .onLoad", paste(
      "kswitch takes \"tensorflow\" for keras3's default backend; if keras3 now sets another,",
      "keras.json's backend may be ignored when keras3 loads."))
    return("tensorflow")
  }
  call[[3]]
}

# The first call in `expr` to one of the functions `names` with a second argument and `first`
# as its first.
find_call <- function(expr, names, first) {
  if (!is.call(expr)) return(NULL)
  if (deparse(expr[[1]])[[1]] %in% names && length(expr) >= 3 && identical(expr[[2]], first)) {
    return(expr)
  }
  for (part in as.list(expr)[-1]) {
    found <- find_call(part, names, first)
    if (!is.null(found)) return(found)
  }
  NULL
}
