#' Install Keras and backends into a Python environment
#'
#' Creates (or updates) the virtual environment `envname` with Keras 3 and the chosen
#' backends, CPU builds: `tensorflow-cpu`, `jax`, `torch==2.13.0` (an unpinned torch
#' pulls gigabytes of CUDA packages), `openvino`; `numpy` comes with Keras. While
#' reticulate is older than 1.38 it also pins `numpy<2`, which older reticulate cannot
#' convert. Running it again is cheap: pip skips what is already installed.
#'
#' The tutorials' multi-backend Keras 2.3.1 generation has its own environment,
#' `legacy_envname`: name `"theano"`, `"cntk"` or `"keras2-tensorflow"` (TensorFlow 1.14
#' under Keras 2.3.1) and `install_backends()` builds it on Python 3.6 (found in pyenv's
#' versions, or given as `python =`) with `keras==2.3.1`, `tensorflow==1.14.0`,
#' `theano==1.0.4`, `cntk` 2.7, `numpy` 1.16, `scipy` < 1.5 and `h5py` < 3. CNTK needs
#' OpenMPI (Debian package `libopenmpi3`): when it is missing, it is installed with
#' `apt-get` if R runs as root, otherwise a `kswitch_error_install` error names the package
#' to install. CNTK's OpenMPI 1.10 library names are linked to OpenMPI 4 inside CNTK's own
#' folder, and Theano is given the `Python.h` it looks for in the environment. Each step
#' checks first: a second run takes about a second.
#'
#' kswitch binds the environment named by `getOption("kswitch.envname", "r-keras")` if it
#' exists or, when the backend asked for (or the one Keras would start on) exists only in
#' Keras 2.3.1, the one named by `getOption("kswitch.legacy_envname", "r-keras-legacy")`;
#' but only where reticulate would fall back to a default: a Python you chose
#' (`RETICULATE_PYTHON`, a required `use_virtualenv()`, an activated virtualenv, a project's
#' `./.venv`) always wins (see [python_kind()]). Installing runs in a
#' child process, without a shell and with R's `LD_LIBRARY_PATH` removed (so the child
#' loads its own libpython), so it never binds this session's Python; restart R if
#' Python had already started on another interpreter.
#'
#' @section On reticulate's managed Python:
#' A session on reticulate's managed Python ([python_kind()] is `"managed"`, the default of
#' keras3 users with no environment of their own) needs no `install_backends()`: every
#' switch requests the backend's packages itself with `reticulate::py_require()`. There
#' `install_backends()` still builds kswitch's own environment `envname`, which new
#' sessions then bind instead of the managed Python (unless you chose it, with
#' `RETICULATE_PYTHON = "managed"`), and says so; so it does where you chose another Python,
#' which new sessions keep (see [python_kind()]).
#'
#' @param backends Backends to install; see [backends()] for names. `"theano"`, `"cntk"`
#'   and `"keras2-tensorflow"` go to the Keras 2.3.1 environment `legacy_envname`.
#' @param envname Name of the Keras 3 environment, under [reticulate::virtualenv_root()],
#'   or a path containing `/`. By default the one kswitch binds:
#'   `getOption("kswitch.envname", "r-keras")`.
#' @param python Interpreter for a new environment: an embeddable (shared libpython)
#'   Python 3.10 to 3.12 (Python 3.6 for Keras 2.3.1 backends). By default the first one
#'   found among `python3` on the `PATH` and pyenv's versions.
#' @param extra_packages More pip requirements to install, e.g. `"scikit-learn"`.
#' @param legacy_envname Name (or path) of the multi-backend Keras 2.3.1 environment. By
#'   default the one kswitch binds: `getOption("kswitch.legacy_envname", "r-keras-legacy")`.
#' @returns The paths of the environments' Pythons, invisibly.
#' @family backends
#' @export
#' @examples
#' \dontrun{
#' install_backends(c("tensorflow", "jax", "torch"))
#' install_backends(c("keras2-tensorflow", "theano", "cntk"))  # the 2019 tutorials' Keras
#' }
install_backends <- function(backends = c("tensorflow", "jax", "torch"),
                             envname = default_envname(),
                             python = NULL, extra_packages = character(),
                             legacy_envname = default_legacy_envname()) {
  check_strings(backends)
  check_string(envname)
  check_string(legacy_envname)
  if (!is.null(python)) check_string(python)
  if (length(extra_packages)) check_strings(extra_packages)
  launcher <- unname(if (is.null(python)) Sys.which("python3") else path.expand(python))
  if (!nzchar(launcher)) {
    abort_kswitch(c("No `python3` on the PATH to run the installer.",
                    i = "Install Python 3.10 to 3.12, or pass its path as `python =`."),
                  class = "kswitch_error_install", argument = "python")
  }
  legacy <- backends %in% c("theano", "cntk") | startsWith(backends, "keras2-")
  inform_install_elsewhere(if (all(legacy)) legacy_envname else envname)
  error_file <- tempfile("kswitch-install-", fileext = ".json")
  result_file <- tempfile("kswitch-install-", fileext = ".json")
  on.exit(unlink(c(error_file, result_file)), add = TRUE)
  args <- c("-m", "kswitch.install", "--env", dirname(dirname(env_python(envname))),
            "--legacy-env", dirname(dirname(env_python(legacy_envname))), "--backends", backends,
            "--error-file", error_file, "--result-file", result_file,
            if (!is.null(python)) c("--python", path.expand(python)),
            if (needs_numpy_below_2()) "--numpy-below-2",
            if (length(extra_packages)) c("--extra", extra_packages))
  status <- run_python(launcher, args, echo = TRUE, stderr_to_stdout = TRUE)$status
  if (file.exists(error_file)) {
    abort_python(jsonlite::fromJSON(error_file, simplifyVector = FALSE), rlang::current_env())
  }
  if (!identical(status, 0L)) {
    abort_kswitch(sprintf("The installer failed with exit status %s.", status),
                  class = "kswitch_error_install")
  }
  invisible(unlist(jsonlite::fromJSON(result_file)))
}

# Where the session's Python is not kswitch's, installing into kswitch's environment does not
# change it: say which Python new sessions will use.
inform_install_elsewhere <- function(envname) {
  choice <- python_choice()
  if (identical(choice$kind, "kswitch")) return(invisible())
  managed <- if (identical(choice$kind, "managed")) {
    c(i = "On managed Python a switch requests its backend itself: nothing to install.")
  }
  next_sessions <- if (identical(choice$by, "default")) {
    "new sessions bind it instead"
  } else {
    "new sessions bind it only where no Python is chosen (see `python_kind()`)"
  }
  inform_kswitch(c(
    i = sprintf("This session uses %s.", describe_choice(choice)), managed,
    i = sprintf("install_backends() builds kswitch's own environment %s; %s.", quoted(envname),
                next_sessions)
  ), class = "kswitch_message_install_elsewhere")
}

# reticulate converts NumPy 2 arrays from 1.38 on ("Internal updates for NumPy 2.0"); an older
# one silently hands them back as Python objects, so its environment needs numpy<2.
needs_numpy_below_2 <- function(reticulate = utils::packageVersion("reticulate")) {
  reticulate < "1.38"
}
