# Multi-backend Keras 2.3.1 (TensorFlow 1.14, Theano, CNTK) lives in its own Python 3.6 env,
# and this test session is bound to Keras 3: Keras 2.3.1 tests run in fresh R processes.
legacy_python <- kswitch:::env_python(kswitch:::default_legacy_envname())

# Theano compiles C code into base_compiledir (default ~/.theano): keep it in the test root.
in_legacy_r <- function(code, args = list(), env = character()) {
  in_fresh_r(code, args = args, env = c(
    THEANO_FLAGS = paste0("base_compiledir=", file.path(test_root, "theano")), env))
}
