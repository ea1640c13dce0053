#' Install Keras and backends into a Python environment
#'
#' Creates (or updates) the virtual environment `envname` with Keras 3 and the chosen
#' backends, CPU builds: `tensorflow-cpu`, `jax`, `torch==2.13.0` (an unpinned torch
#' pulls gigabytes of CUDA packages), `openvino`; `numpy` comes with Keras. While
#' reticulate is older than 1.38 it also pins `numpy<2`, which older reticulate cannot
#' convert. Running it again is cheap: pip skips what is already installed.
#'
#' kswitch uses the Python in `RETICULATE_PYTHON` if set, else the environment named
#' by `getOption("kswitch.envname", "r-keras")` if it exists. Installing runs in a
#' child process, without a shell and with R's `LD_LIBRARY_PATH` removed (so the child
#' loads its own libpython), so it never binds this session's Python; restart R if
#' Python had already started on another interpreter.
#'
#' @param backends Backends to install; see [backends()] for names.
#' @param envname Name of the environment, under [reticulate::virtualenv_root()], or
#'   a path containing `/`.
#' @param python Interpreter for a new environment: an embeddable (shared libpython)
#'   Python 3.10 to 3.12. By default the first one found among `python3` on the `PATH`
#'   and pyenv's versions.
#' @param extra_packages More pip requirements to install, e.g. `"scikit-learn"`.
#' @returns The path of the environment's Python, invisibly.
#' @family backends
#' @export
#' @examples
#' \dontrun{
#' install_backends(c("tensorflow", "jax", "torch"))
#' }
install_backends <- function(backends = c("tensorflow", "jax", "torch"), envname = "r-keras",
                             python = NULL, extra_packages = character()) {
  check_strings(backends)
  check_string(envname)
  if (!is.null(python)) check_string(python)
  if (length(extra_packages)) check_strings(extra_packages)
  env <- if (grepl("/", envname, fixed = TRUE)) path.expand(envname) else
    file.path(path.expand(reticulate::virtualenv_root()), envname)
  launcher <- unname(if (is.null(python)) Sys.which("python3") else path.expand(python))
  if (!nzchar(launcher)) {
    rlang::abort(c("No `python3` on the PATH to run the installer.",
                   i = "Install Python 3.10 to 3.12, or pass its path as `python =`."),
                 class = c("kswitch_error_install", "kswitch_error"), argument = "python")
  }
  error_file <- tempfile("kswitch-install-", fileext = ".json")
  on.exit(unlink(error_file), add = TRUE)
  args <- c("-m", "kswitch.install", "--env", env, "--backends", backends,
            "--error-file", error_file,
            if (!is.null(python)) c("--python", path.expand(python)),
            if (utils::packageVersion("reticulate") < "1.38") "--numpy-below-2",
            if (length(extra_packages)) c("--extra", extra_packages))
  # No shell sees these arguments; R's LD_LIBRARY_PATH would make the child load Debian's
  # libpython instead of its own (and then fail to import ssl).
  child_env <- unclass(Sys.getenv())
  child_env <- child_env[names(child_env) != "LD_LIBRARY_PATH"]
  child_env[["PYTHONPATH"]] <- python_dir()  # replaces any PYTHONPATH of this session
  status <- processx::run(launcher, args, env = child_env, echo = TRUE, error_on_status = FALSE,
                          stderr_to_stdout = TRUE)$status
  if (file.exists(error_file)) {
    abort_python(jsonlite::fromJSON(error_file, simplifyVector = FALSE), rlang::current_env())
  }
  if (!identical(status, 0L)) {
    rlang::abort(sprintf("The installer failed with exit status %s.", status),
                 class = c("kswitch_error_install", "kswitch_error"))
  }
  invisible(file.path(env, "bin", "python"))
}
