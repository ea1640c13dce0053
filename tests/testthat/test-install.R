# install_backends() (R/install.R): the NumPy pin follows what the bound reticulate converts.

test_that("numpy<2 is pinned exactly when this reticulate cannot convert NumPy 2 arrays", {
  expect_true(needs_numpy_below_2(package_version("1.37.0")))
  expect_false(needs_numpy_below_2(package_version("1.38.0")))
  # A real NumPy 2, in an environment of its own, read by this very reticulate.
  base <- kswitch:::env_python(kswitch:::default_envname())
  skip_if_not(file.exists(base), "no Keras 3 environment to make a NumPy 2 environment from")
  env <- file.path(test_root, "numpy2")
  kswitch:::run_python(base, c("-m", "venv", env))
  python <- file.path(env, "bin", "python")
  pip <- kswitch:::run_python(python, c("-m", "pip", "install", "-q",
                                        "--disable-pip-version-check", "numpy>=2,<3"))
  skip_if_not(pip$status == 0, paste("pip could not install NumPy 2 here:", pip$stderr))
  converted <- in_fresh_r(function(python) {
    reticulate::use_python(python, required = TRUE)
    np <- reticulate::import("numpy", convert = FALSE)
    value <- tryCatch(reticulate::py_to_r(np$arange(3L)), error = function(e) NULL)
    is.numeric(value) && identical(as.numeric(value), c(0, 1, 2))
  }, args = list(python = python))
  expect_equal(needs_numpy_below_2(), !converted,
               label = paste("reticulate", utils::packageVersion("reticulate")))
})
