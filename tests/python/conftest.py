import os
import sys

import pytest

PYTHON_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "inst", "python")
sys.path.insert(0, os.path.abspath(PYTHON_DIR))


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
