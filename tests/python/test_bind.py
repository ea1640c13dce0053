"""kswitch.bind: what R asks a Python before binding one, run as R runs it (``python -m``)."""

import json
import os
import subprocess
import sys

import pytest
from kswitch import bind, registry

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(bind.__file__)))
BACKEND_LIBRARIES = {"keras", "tensorflow", "jax", "jaxlib", "torch", "numpy", "scipy",
                     "openvino", "theano", "cntk"}


def bind_cli(args, keras_home, python=sys.executable, options=(), keras_backend=None):
    """``python -m kswitch.bind ARGS`` in the environment R gives it (python_child_env())."""
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "KERAS_BACKEND")}
    env.update(PYTHONPATH=PYTHON_DIR, KERAS_HOME=str(keras_home))
    if keras_backend is not None:
        env["KERAS_BACKEND"] = keras_backend
    return subprocess.run([python] + list(options) + ["-m", "kswitch.bind"] + list(args),
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120)


def test_bind_generation_follows_keras_precedence(keras_home, monkeypatch, capsys):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert bind.generation_for() == 3 and bind.generation_for("theano") == 2
    keras_home.mkdir()
    (keras_home / "keras.json").write_text('{"backend": "cntk"}')
    assert bind.generation_for() == 2 and bind.generation_for("jax") == 3
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert bind.generation_for() == 3
    (keras_home / "keras.json").write_text('{"backend": ')  # untrusted: the core reports it
    monkeypatch.delenv("KERAS_BACKEND")
    assert bind.main(["generation"]) == 0 and capsys.readouterr().out == "3\n"


@pytest.mark.parametrize("args, file, keras_backend, printed", [
    (["generation"], None, None, "3"),                       # Keras's default: tensorflow
    (["generation", "theano"], None, None, "2"),
    (["generation", "cntk"], '{"backend": "jax"}', None, "2"),  # the argument wins
    (["generation", "jax"], '{"backend": "theano"}', None, "3"),
    (["generation", "foo"], None, None, "3"),                 # unknown: Keras 3 reports it
    (["generation"], '{"backend": "theano"}', None, "2"),     # keras.json
    (["generation"], '{"backend": "theano"}', "jax", "3"),    # KERAS_BACKEND overrides it
    (["generation"], '{"backend": "jax"}', "cntk", "2"),
    (["generation"], '{"backend": ', None, "3"),              # untrusted file
])
def test_generation_prints_only_the_generation(tmp_path, args, file, keras_backend, printed):
    if file is not None:
        (tmp_path / "keras.json").write_text(file)
    out = bind_cli(args, tmp_path, keras_backend=keras_backend)
    assert (out.returncode, out.stdout, out.stderr) == (0, printed + "\n", "")


def test_installed_prints_this_pythons_keras_and_backends_as_json(tmp_path):
    out = bind_cli(["installed"], tmp_path)
    assert out.returncode == 0, out.stderr
    installed = json.loads(out.stdout)
    assert installed == registry.installed_here()
    assert installed["keras"] == registry.keras_version() and installed["keras"].startswith("3.")
    assert installed["python"] == sys.executable
    assert list(installed["backends"]) == list(registry.NAMES)
    assert installed["backends"]["jax"] == [True, registry.distribution_version(("jax",))]


@pytest.mark.parametrize("args", [["installed"], ["generation"], ["generation", "theano"]])
def test_asking_imports_no_keras_and_no_backend(tmp_path, args):
    out = bind_cli(args, tmp_path, options=["-X", "importtime"])
    assert out.returncode == 0, out.stderr
    imported = {line.split("|")[-1].strip().split(".")[0]
                for line in out.stderr.splitlines() if line.startswith("import time:")}
    assert "kswitch" in imported  # the check sees what was imported
    assert imported & BACKEND_LIBRARIES == set()


@pytest.mark.parametrize("args", [[], ["versions"], ["generation", "jax", "torch"],
                                  ["installed", "jax"], ["--help"]])
def test_bad_usage_exits_2_with_the_usage_on_stderr(tmp_path, args):
    out = bind_cli(args, tmp_path)
    assert out.returncode == 2 and out.stdout == ""
    assert "python -m kswitch.bind generation [BACKEND]" in out.stderr
    assert "python -m kswitch.bind installed" in out.stderr


def test_the_keras2_environments_python_answers_too(tmp_path, legacy_python):
    out = bind_cli(["generation", "theano"], tmp_path, python=legacy_python)
    assert (out.returncode, out.stdout) == (0, "2\n"), out.stderr
    out = bind_cli(["installed"], tmp_path, python=legacy_python)
    assert out.returncode == 0, out.stderr
    installed = json.loads(out.stdout)
    assert installed["keras"] == "2.3.1" and installed["python"] == legacy_python
    assert installed["backends"] == {"tensorflow": [True, "1.14.0"], "theano": [True, "1.0.4"],
                                     "cntk": [True, "2.7"]}


def call_cli(keras_home, fn, *args, session=None, **kwargs):
    request = {"fn": fn, "args": list(args), "kwargs": kwargs, "session": session or {}}
    out = bind_cli(["call", json.dumps(request)], keras_home, options=["-S"])
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_bind_call_answers_before_python_starts_with_any_python(keras_home):
    # R asks a system Python (no Keras, no backend, -S: no site-packages) before reticulate's
    # managed one exists.
    out = call_cli(keras_home, "managed_request", "jax", gpu=False,
                   declared=["keras", "tensorflow-cpu"], os_name="Linux")
    assert out == {"value": {"packages": ["jax[cpu]"], "append": [], "set": []}, "error": None}
    out = call_cli(keras_home, "managed_request", "Jax")
    assert out["error"]["classes"][0] == "kswitch_error_backend_unknown"
    out = call_cli(keras_home, "managed_request_failed", "jax", ["jax[cpu]"], "uv: offline")
    error = out["error"]
    assert error["classes"][0] == "kswitch_error_backend_unavailable"
    assert "uv: offline" in error["bullets"][0][1]


def test_bind_call_names_the_sessions_python_not_its_own(keras_home):
    # Before managed Python starts, an error names the Python the session will bind.
    session = {"kind": "managed", "by": "RETICULATE_PYTHON", "python": "reticulate's managed"}
    out = call_cli(keras_home, "managed_request", "theano", session=session)
    error = out["error"]
    assert error["classes"][0] == "kswitch_error_backend_elsewhere"
    assert "reticulate's managed" in error["message"] and sys.executable not in error["message"]
    assert "Unset it" in error["bullets"][1][1]


def test_bind_call_startup_request_names_the_start_up_backend(keras_home):
    keras_home.mkdir()
    (keras_home / "keras.json").write_text('{"backend": "jax"}')
    out = call_cli(keras_home, "startup_request", declared=["keras", "tensorflow-cpu"])
    assert out["value"]["backend"] == "jax"
    assert "jax[cpu]" in out["value"]["request"]["packages"] or \
        "jax[cuda12]!=0.6.1" in out["value"]["request"]["packages"]
    (keras_home / "keras.json").write_text('{"backend": "theano"}')  # Keras 2.3.1's: nothing
    assert call_cli(keras_home, "startup_request")["value"] == {"backend": "theano",
                                                               "request": None}
    (keras_home / "keras.json").write_text('{"backend": ')  # untrusted: an error, not a guess
    assert call_cli(keras_home, "startup_request")["error"]["classes"][-1] == "kswitch_error"
