# reticulate's managed Python (reticulate >= 1.41): `make managed-python` sets up uv and a
# Python uv takes as managed in KSWITCH_MANAGED_ROOT, which `make test-r-cran` passes on. A
# child R session then gets an ephemeral environment built by uv, as a keras3 user without
# an `r-keras` env does: reticulate's virtualenv root is an empty directory there (the
# environment variables below; skip_without_managed() is in helper-skips.R).
managed_env <- function(root, ...) {
  c(RETICULATE_UV = file.path(root, "uv-tool", "bin", "uv"),
    UV_PYTHON_INSTALL_DIR = file.path(root, "python"),
    UV_PYTHON_PREFERENCE = "only-managed",
    UV_PYTHON_DOWNLOADS = "never",
    UV_CACHE_DIR = file.path(root, "uv-cache"),
    UV_OVERRIDE = file.path(root, "overrides.txt"),
    # PyTorch's CPU index, which kswitch requests for torch as keras3 does, is out of reach
    # here: a local index of the CPU wheel stands in for it.
    KSWITCH_PYTORCH_INDEX_MIRROR = paste0("file://", file.path(root, "pytorch-index")),
    # The local wheels pip finds here (`pip config list`); uv reads no pip configuration.
    UV_FIND_LINKS = if (dir.exists("/opt/wheels")) "/opt/wheels" else NA,
    R_USER_CACHE_DIR = file.path(root, "r-user-cache"),
    RETICULATE_VIRTUALENV_ROOT = file.path(root, "venvs"),
    RETICULATE_PYTHON = NA, ...)
}

# Runs `code` in a new R session on managed Python.
in_managed_r <- function(root, code, args = list(), env = character()) {
  dir.create(file.path(root, "venvs"), showWarnings = FALSE)
  vars <- managed_env(root)
  vars[names(env)] <- env
  in_fresh_r(code, args = args, env = vars)
}
