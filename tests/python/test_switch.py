"""The switch in a fresh Python each time: Keras's import state is process-wide."""

import os
import subprocess
import sys
import textwrap

PYTHON_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "inst",
                                          "python"))


def run(code, tmp_path, extra_path=()):
    env = dict(os.environ, KERAS_HOME=str(tmp_path / "kh"), KERAS_BACKEND="",
               TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.pathsep.join(list(extra_path) + [PYTHON_DIR]))
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_switch_parks_trees_keeps_settings_and_identity(tmp_path):
    assert run("""
        import sys
        from kswitch import api
        api.use_backend("tensorflow", persist=False)
        tf_keras = api.keras_module()
        api.set_epsilon(1e-3)
        api.use_backend("jax", persist=False)
        assert api.keras_module().config.epsilon() == 1e-3
        api.use_backend("tensorflow", persist=False)
        assert api.keras_module() is tf_keras and sys.modules["keras"] is tf_keras
        import keras
        print(keras.config.backend(), keras.config.epsilon())
    """, tmp_path) == "tensorflow 0.001"


def test_failed_switch_is_rolled_back(tmp_path):
    shadow = tmp_path / "shadow" / "jax"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('simulated broken jax')")
    assert run("""
        import os, sys
        from kswitch import api
        keras = api.keras_module()
        before = sorted(m for m in sys.modules if m.startswith("keras"))
        out = api.r_call("use_backend", "jax", persist=False)
        assert out["error"]["classes"][0] == "kswitch_error_switch_failed", out
        assert "simulated broken jax" in str(out["error"]["bullets"])
        assert sorted(m for m in sys.modules if m.startswith("keras")) == before
        assert sys.modules["keras"] is keras and os.environ.get("KERAS_BACKEND") in (None, "")
        print(api.backend())
    """, tmp_path, extra_path=[str(shadow.parent)]) == "tensorflow"


def test_session_state_is_restored_after_switches(tmp_path):
    assert run("""
        import os
        from kswitch import api
        assert api.backend_versions("jax")["keras"] == api.backends.keras_version()
        os.environ["KERAS_BACKEND"] = "tensorflow"  # as if set outside kswitch
        state = api.session_state()
        assert state["settings"] is None and state["backend"] == "tensorflow"
        api.use_backend("jax", persist=False)
        api.keras_module().config.set_epsilon(0.01)
        api.use_backend("torch", persist=False)
        api.restore_session(state)
        keras = api.keras_module()
        assert api.config_info()["backend_source"] == "KERAS_BACKEND"
        state = api.session_state()
        assert state["settings"]["epsilon"] == 0.01
        api.use_backend("jax", persist=False)
        keras.config.set_epsilon(0.5)  # the parked tensorflow tree: not the session's
        api.keras_module().config.set_epsilon(0.2)
        api.restore_session(state)
        print(api.backend(), api.keras_module().config.epsilon())
    """, tmp_path) == "tensorflow 0.01"
