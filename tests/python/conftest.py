import os
import sys

import pytest

PYTHON_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "inst", "python")
sys.path.insert(0, os.path.abspath(PYTHON_DIR))


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """A private KERAS_HOME: tests never touch the user's ~/.keras."""
    home = tmp_path / "keras-home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home
