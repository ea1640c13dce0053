# nolint start: line_length_linter. The roxygen table's rows below cannot wrap.
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
# nolint end

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

# Following switches ----------------------------------------------------------------------
# keras3 and keras keep Python module objects in their namespaces, resolved once and then
# fixed (keras3's `tf` and `np` hold TensorFlow and NumPy, the same in every Keras tree). A
# module object is an R environment holding the module's pointer (`pyobj`); kswitch points
# the same environment at the active tree, so the attached package's copy of an exported
# binding and any reference a user took follow too (which bindings: package_modules, in
# R/keras-packages-compat.R; the proxies' fields: R/reticulate-compat.R).

# Called by core_call() whenever the active Keras module tree changed (NULL: not imported).
follow_keras_tree <- function(tree) {
  .kswitch$tree <- tree
  for (pkg in names(package_modules)) {
    if (!isNamespaceLoaded(pkg)) next
    modules <- package_modules[[pkg]]
    for (name in names(modules)) repoint(package_module(pkg, name), modules[[name]], tree)
  }
  if (!is.null(tree) && isNamespaceLoaded("keras3")) register_keras3_methods(tree)
}

repoint <- function(object, module, tree) {
  if (!is.environment(object)) return()  # not set yet: the package's .onLoad has not run
  state <- proxy_state(object)
  if (is.null(state)) return()  # reticulate moved: the package keeps its first tree (safe)
  if (state == "unresolved") {
    # A delay-load proxy: it imports from sys.modules, the active tree, when used.
    if (is.null(tree)) import_through_kswitch(object)
    return()
  }
  active <- if (!is.null(tree)) tree_module(tree, module)
  if (is.null(active)) {  # Keras is not imported now: resolve again, through kswitch, when used
    proxy_unresolve(object, module)
    import_through_kswitch(object)
  } else {
    proxy_point(object, active)
  }
}

# A proxy's first use then imports Keras as kswitch does (its Python, a parked tree put back,
# torch first, rolled back on failure) before reticulate takes the module from sys.modules.
import_through_kswitch <- function(proxy) proxy_before_load(proxy, function() keras_module())

# The module `name` of the active tree `tree`, looked up once per tree: a tree's modules never
# change, and holding them keeps its id from being reused. A switch back then asks Python
# nothing here.
tree_module <- function(tree, name) {
  key <- paste(tree, name)
  module <- .kswitch$tree_modules[[key]]
  if (is.null(module)) {
    module <- sys_module(name)
    if (!is.null(module)) .kswitch$tree_modules[[key]] <- module  # not imported yet: ask again
  }
  module
}

# sys.modules[name] without the import machinery (about 10 us), or NULL.
sys_module <- function(name) {
  if (is.null(.kswitch$sys_modules)) {
    .kswitch$sys_modules <- reticulate::import("sys", convert = FALSE)$modules
  }
  reticulate::py_get_item(.kswitch$sys_modules, name, silent = TRUE)
}

# keras3 registers S3 methods for the backend's tensor classes (as.array(), `^`, ...) in a
# reticulate load hook that runs once, when Keras is first imported. Run keras3's own hook
# again for each new tree.
register_keras3_methods <- function(tree) {
  if (tree %in% .kswitch$keras3_trees) return()
  .kswitch$keras3_trees <- c(.kswitch$keras3_trees, tree)
  hook <- keras3_load_hook()
  if (is.function(hook)) hook()
}

# Start-up ----------------------------------------------------------------------------------
# Run `f` when `pkg` loads, or now if it has.
on_package_load <- function(pkg, f) {
  if (isNamespaceLoaded(pkg)) f() else setHook(packageEvent(pkg, "onLoad"), function(...) f())
}

# keras3's .onLoad sets KERAS_BACKEND to itself or "tensorflow", which would make Keras ignore
# keras.json. kswitch takes that default back (a value the user set stays) and makes keras3's
# first use of Keras import it through kswitch, which binds the Python then (keras3's own
# delay-load environment is kswitch's "r-keras": reticulate's order picks it unless the user
# chose another Python).
keras3_loaded <- function() {
  if (keras_backend_is_keras3_default()) set_env_var("KERAS_BACKEND", NA)
  request_startup_backend()
  follow_keras_tree(.kswitch$tree)
}

# On managed Python, before it starts, the backend the session will start on (KERAS_BACKEND,
# else keras.json) is requested, so a backend persisted in an earlier session works. A failed
# request only warns here: loading a package must not fail.
request_startup_backend <- function() {
  if (python_started() || !maybe_managed()) return(invisible())
  # An untrusted keras.json is reported once Python is bound, not here.
  startup <- tryCatch(
    core_child_call("startup_request", declared = as.list(py_require()$packages),
                    keras3_dir = keras3_dir()),
    kswitch_error = function(e) NULL)
  if (is.null(startup$request)) return(invisible())
  tryCatch(request_backend(startup$backend, request = startup$request),
           kswitch_error = function(e) {
             warn_kswitch(conditionMessage(e), class = "kswitch_warning_request_failed")
           })
  invisible()
}

# Whether KERAS_BACKEND is keras3's default rather than the user's (or kswitch's) choice.
# When kswitch loaded first it knows what the user had; when keras3 did, a value set before R
# started or in an Renviron file is the user's.
keras_backend_is_keras3_default <- function() { # nolint: object_length_linter.
  if (!identical(Sys.getenv("KERAS_BACKEND", NA), keras3_default_backend())) return(FALSE)
  if (!is.null(.kswitch$core) && identical(core_call("backend_source"), "kswitch")) return(FALSE)
  if (!is.null(.kswitch$keras_backend_before_keras3)) {
    return(is.na(.kswitch$keras_backend_before_keras3))
  }
  !env_var_set_at_start("KERAS_BACKEND")
}

env_var_set_at_start <- function(name) {
  exec_env <- tryCatch(readBin("/proc/self/environ", "raw", 1e6), error = function(e) raw())
  exec_env[exec_env == as.raw(0)] <- as.raw(10)
  if (any(startsWith(strsplit(rawToChar(exec_env), "\n")[[1]], paste0(name, "=")))) return(TRUE)
  files <- c(Sys.getenv(c("R_ENVIRON_USER", "R_ENVIRON")), ".Renviron", "~/.Renviron",
             file.path(R.home("etc"), "Renviron.site"))
  files <- unique(files[nzchar(files) & file.exists(files)])
  pattern <- sprintf("^\\s*%s\\s*=", name)
  any(vapply(files, function(f) any(grepl(pattern, readLines(f, warn = FALSE))), NA))
}

# keras 2.x cannot run on Keras 3, and uses tf.keras unless KERAS_IMPLEMENTATION is "keras":
# kswitch binds its Keras 2.3.1 environment and, unless the user chose an implementation,
# makes keras use standalone Keras, the one whose backend kswitch switches.
keras2_loaded <- function() {
  bind_python(generation = 2L)
  on_keras2 <- identical(.kswitch$bound, default_legacy_envname()) ||
    (python_started() && python_generation() == 2L)
  if (on_keras2 && is.na(Sys.getenv("KERAS_IMPLEMENTATION", NA))) {
    set_env_var("KERAS_IMPLEMENTATION", "keras")
  }
  follow_keras_tree(.kswitch$tree)
}
