import os
import subprocess
import sys
import textwrap

import pytest

PYTHON_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "inst", "python")
sys.path.insert(0, os.path.abspath(PYTHON_DIR))

# `make quick` runs the files that need only the standard library with KSWITCH_FORBID_KERAS
# set: there an import of Keras or a backend (slow, and not what they test) fails the run.
FORBIDDEN = ("keras", "tensorflow", "jax", "torch", "openvino", "numpy")


def pytest_sessionfinish(session, exitstatus):
    imported = [m for m in FORBIDDEN if m in sys.modules]
    if os.environ.get("KSWITCH_FORBID_KERAS") and imported:
        print("\nKSWITCH_FORBID_KERAS: these tests imported {}".format(", ".join(imported)))
        session.exitstatus = 1


@pytest.fixture
def legacy_python():
    """The multi-backend Keras 2.3.1 environment's Python 3.6, where `make legacy-env` puts it."""
    root = os.path.expanduser(os.environ.get("WORKON_HOME", "~/.virtualenvs"))  # reticulate's
    python = os.path.join(root, "r-keras-legacy", "bin", "python")
    if not os.path.exists(python):
        pytest.skip("no Keras 2.3.1 environment (make legacy-env)")
    return python


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """A private KERAS_HOME: tests never touch the user's ~/.keras."""
    home = tmp_path / "keras-home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def run_fresh(code, tmp_path, extra_path=(), env_overrides=None, python=sys.executable):
    """Run ``code`` in a fresh ``python`` (Keras's import state is process-wide), with a private
    KERAS_HOME and KERAS_BACKEND unset unless ``env_overrides`` says otherwise; returns the
    last line it printed."""
    env = dict(os.environ, KERAS_HOME=str(tmp_path / "kh"), KERAS_BACKEND="",
               TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.pathsep.join(list(extra_path) + [os.path.abspath(PYTHON_DIR)]))
    env.update(env_overrides or {})
    out = subprocess.run([python, "-c", textwrap.dedent(code)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]
