# Before Python starts (it starts in the first test that needs it): keep Keras, torch and
# TensorFlow away from the user's ~/.keras, ~ and /tmp, so tests leave nothing behind.
test_root <- tempfile("kswitch-tests-")
dir.create(test_root)
withr::local_envvar(
  KERAS_HOME = file.path(test_root, "keras-home"),
  # Python's temporary files (TensorFlow's AutoGraph writes some on fit() with keras3).
  TMPDIR = test_root,
  TORCHINDUCTOR_CACHE_DIR = file.path(test_root, "torchinductor"),
  TF_CPP_MIN_LOG_LEVEL = "2",
  PYTHONDONTWRITEBYTECODE = "1",
  .local_envir = testthat::teardown_env()
)
withr::defer(unlink(test_root, recursive = TRUE), testthat::teardown_env())
