"""api.py: what R calls. Each test runs in a fresh Python (Keras's import state is
process-wide); keras.json lives in a private KERAS_HOME."""

from conftest import run_fresh

# A write of keras.json that fails after every check passed (a full disk), injected where
# api.py writes, and what must then hold: the session, KERAS_BACKEND and who set it, and the
# file, exactly as before.
FAILING_WRITE = """
    import errno, hashlib, os, sys
    from kswitch import api, config, switch

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    def state():
        path = config.config_path()
        digest = hashlib.sha1(open(path, "rb").read()).hexdigest() if os.path.exists(path) \\
            else None
        keras = sys.modules.get("keras")
        return (api.backend(), os.environ.get("KERAS_BACKEND"), switch.backend_source(),
                switch._set_by_kswitch, id(keras), digest,
                keras.config.epsilon() if keras else None)

    def fails_cleanly(name, *args, **kwargs):
        before = state()
        real, config.update_config = config.update_config, disk_full
        try:
            out = api.r_call(name, *args, **kwargs)
        finally:
            config.update_config = real
        error = out["error"]
        assert error["classes"] == ["kswitch_error_config", "kswitch_error"], error
        assert error["path"] == config.config_path(), error
        assert "No space left on device" in str(error["bullets"]), error
        assert state() == before, (state(), before)
"""


def test_failed_write_after_a_parked_tree_leaves_the_session_as_it_was(tmp_path):
    assert run_fresh(FAILING_WRITE + """
    config.update_config({"backend": "tensorflow"})
    st = api.begin_scope(backend="jax")
    import keras  # noqa: F401 - imported inside the scope: its tree is parked at the end
    api.end_scope(st)
    assert "keras" not in sys.modules and switch.loaded_backends() == ["jax"]
    fails_cleanly("use_backend", "jax", persist=True)
    assert "keras" not in sys.modules and switch.loaded_backends() == ["jax"]
    print(api.backend(), api.keras_module().config.backend())
    """, tmp_path) == "tensorflow tensorflow"


def test_failed_write_in_a_loaded_session_keeps_an_outside_keras_backend(tmp_path):
    assert run_fresh(FAILING_WRITE + """
    keras = api.keras_module()
    assert switch.backend_source() == "KERAS_BACKEND"
    api.use_backend("jax", persist=False)
    api.use_backend("tensorflow", persist=False)  # both trees loaded; kswitch set the variable
    assert switch.backend_source() == "kswitch"
    os.environ["KERAS_BACKEND"] = "tensorflow"  # as if set outside kswitch again
    switch._set_by_kswitch = None
    fails_cleanly("use_backend", "jax", persist=True)
    fails_cleanly("use_backend", "torch", persist=True)  # a first import, undone too
    assert sys.modules["keras"] is keras and switch.backend_source() == "KERAS_BACKEND"
    fails_cleanly("set_epsilon", 1e-3, persist=True)
    fails_cleanly("set_floatx", "float64", persist=True)
    fails_cleanly("set_image_data_format", "channels_first", persist=True)
    assert (keras.config.floatx(), keras.config.image_data_format()) == \\
        ("float32", "channels_last")
    api.use_backend("jax", persist=True)  # and the next write works
    print(api.backend(), switch.backend_source(), config.read_config()["backend"])
    """, tmp_path, env_overrides={"KERAS_BACKEND": "tensorflow"}) == "jax kswitch jax"
