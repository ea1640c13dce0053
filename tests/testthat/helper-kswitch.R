# A fresh config directory for one test; works after Python has started.
local_test_home <- function(.local_envir = parent.frame()) {
  home <- tempfile("keras-home-", tmpdir = test_root)
  local_keras_home(home, .local_envir = .local_envir)
  home
}

write_config <- function(home, text) {
  dir.create(home, showWarnings = FALSE, recursive = TRUE)
  path <- file.path(home, "keras.json")
  writeLines(text, path)
  path
}

read_bytes <- function(path) {
  if (!file.exists(path)) return(NULL)
  readBin(path, "raw", file.info(path)$size)
}

read_config_file <- function(home) {
  jsonlite::fromJSON(file.path(home, "keras.json"), simplifyVector = FALSE)
}

quietly <- function(code) suppressMessages(code)

# A small model fitted (or, for backends that cannot train, run) on the current backend;
# returns the loss, which must be a finite number.
fit_small_model <- function(train = TRUE) {
  keras <- keras_module()
  x <- matrix(runif(64 * 20), nrow = 64)
  y <- matrix(sample(0:1, 64, replace = TRUE), ncol = 1)
  model <- keras$Sequential(list(
    keras$Input(shape = list(20L)),
    keras$layers$Dense(8L, activation = "relu"),
    keras$layers$Dense(1L, activation = "sigmoid")
  ))
  model$compile(optimizer = "rmsprop", loss = "binary_crossentropy")
  if (train) model$fit(x, y, epochs = 1L, batch_size = 32L, verbose = 0L)
  model$evaluate(x, y, verbose = 0L)
}

# A small built model on the current backend, made with keras_module().
small_model <- function(inputs = 3L) {
  keras <- keras_module()
  keras$Sequential(list(keras$Input(shape = list(inputs)), keras$layers$Dense(1L)))
}

env_before_python <- Sys.getenv(c("VIRTUAL_ENV", "PATH", "LD_LIBRARY_PATH"), unset = NA)

# Runs `code` (a function) in a new R process with kswitch's library paths and this
# test's KERAS_HOME: for what needs a Python that has not started or imported Keras.
# This session's KERAS_BACKEND (kswitch sets it on every switch) is not passed on: the new
# process starts without one, as a new R session does.
# Python's start in this session activates its virtualenv (VIRTUAL_ENV, PATH, library path),
# which a child would inherit and reticulate would bind: the child gets them as they were
# before.
in_fresh_r <- function(code, args = list(), env = character()) {
  vars <- callr::rcmd_safe_env()
  vars[names(env_before_python)] <- env_before_python
  vars[c("KERAS_HOME", "TMPDIR", "TORCHINDUCTOR_CACHE_DIR")] <-
    Sys.getenv(c("KERAS_HOME", "TMPDIR", "TORCHINDUCTOR_CACHE_DIR"))
  # Nor does a testthat run there inherit this one's parallel workers.
  vars[c("TF_CPP_MIN_LOG_LEVEL", "PYTHONDONTWRITEBYTECODE", "KERAS_BACKEND",
         "TESTTHAT_PARALLEL")] <- c("2", "1", NA, NA)
  vars[names(env)] <- env
  callr::r(code, args = args, libpath = .libPaths(), env = vars)
}

# The backend Keras itself reports (imports Keras), to check backend() against it.
backend_in_session <- function() keras_module()$config$backend()

# A real import failure: a package named like the backend library, first on sys.path,
# that raises on import (as a broken install does).
shadow_library <- function(name, .local_envir = parent.frame()) {
  dir <- tempfile("shadow-", tmpdir = test_root)
  dir.create(file.path(dir, name), recursive = TRUE)
  writeLines(sprintf('raise ImportError("simulated broken %s install")', name),
             file.path(dir, name, "__init__.py"))
  dir
}

# A Python without Keras (a new virtualenv of the system's python3), as CRAN's machines have.
python_without_keras <- function() {
  python <- Sys.which("python3")
  skip_if(!nzchar(python), "no python3 on PATH to make a Python without Keras")
  bare <- tempfile("bare-venv-", tmpdir = test_root)
  processx::run(python, c("-m", "venv", "--without-pip", bare))
  file.path(bare, "bin", "python")
}
