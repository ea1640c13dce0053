"""The example notebook, executed headless by nbclient on a real ipykernel: tensorflow -> jax ->
torch in one kernel with one ``import keras``, a jax model fitting while the kernel is on
torch, a ``%%keras_backend`` cell. Its outputs are checked."""

import json
import os
import subprocess
import sys

import pytest
from conftest import PYTHON_DIR

ROOT = os.path.abspath(os.path.join(PYTHON_DIR, "..", ".."))
NOTEBOOK = os.path.join(ROOT, "notebooks", "kswitch-in-jupyter.ipynb")

# Run in a child Python: nbclient starts the kernel named argv[3] (with the kernel's working
# directory argv[4]; errors allowed when argv[5] is "1") and writes the executed notebook to
# argv[2].
DRIVER = """
import sys
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, kernel_name=sys.argv[3], timeout=600, allow_errors=sys.argv[5] == "1",
               resources={"metadata": {"path": sys.argv[4]}}).execute()
nbformat.write(nb, sys.argv[2])
"""


def jupyter_env(tmp_path, pythonpath=None):
    """A private Keras home, Jupyter and IPython directories; no KERAS_BACKEND."""
    env = dict(os.environ, KERAS_HOME=str(tmp_path / "keras-home"), KERAS_BACKEND="",
               TF_CPP_MIN_LOG_LEVEL="3", IPYTHONDIR=str(tmp_path / "ipython"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"),
               JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
               JUPYTER_PATH=str(tmp_path / "jupyter-path"), JUPYTER_PLATFORM_DIRS="1")
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


def execute(notebook, tmp_path, kernel="python3", pythonpath=None, allow_errors=False,
            python=sys.executable):
    """``notebook`` executed by nbclient; the executed notebook (a dict)."""
    pytest.importorskip("nbclient", reason="nbclient is not installed (make python-env)")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed (make python-env)")
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    out = tmp_path / "executed.ipynb"
    run = subprocess.run([python, "-c", DRIVER, str(notebook), str(out), kernel, str(work),
                          "1" if allow_errors else "0"],
                         env=jupyter_env(tmp_path, pythonpath), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True, timeout=900)
    assert run.returncode == 0, run.stderr[-4000:]
    assert not os.listdir(str(work)), "the notebook left files in its directory"
    with open(str(out)) as f:
        return json.load(f)


def joined(value):
    """A notebook string, which the file may split into a list of lines."""
    return "".join(value) if isinstance(value, list) else value


def outputs(cell):
    """A code cell's text: its streams, results and errors, in order."""
    text = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            text.append(joined(o["text"]))
        elif o["output_type"] in ("execute_result", "display_data"):
            text.append(joined(o["data"].get("text/plain", "")))
        elif o["output_type"] == "error":
            text.append("ERROR {}: {}".format(o["ename"], o["evalue"]))
    return "".join(text)


def test_the_example_notebook_switches_one_kernel_through_three_backends(tmp_path):
    nb = execute(NOTEBOOK, tmp_path, pythonpath=os.path.abspath(PYTHON_DIR))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    text = [outputs(c) for c in cells]
    assert not [t for t in text if "ERROR" in t or "Traceback" in t], text
    assert "Keras backend: tensorflow" in text[0]
    assert "Loaded in this kernel: tensorflow" in text[0]
    assert "tf_model: loss" in text[1] and "(kernel on tensorflow)" in text[1]
    assert "jax_model: loss" in text[3] and "(kernel on jax)" in text[3]
    assert "ops on: jaxlib" in text[3]
    assert "torch_model: loss" in text[5] and "ops on: torch" in text[5]
    # The jax model, while the kernel is on torch: it fits, predicts and saves.
    assert "kernel on: torch" in text[6] and "jax_model: loss" in text[6]
    assert "saved: True | predictions changed by the fit: True" in text[6]
    # One cell on tensorflow, the kernel back on torch after it.
    assert "this cell on: tensorflow" in text[7] and "(kernel on tensorflow)" in text[7]
    assert "kernel on: torch" in text[8]
    assert "back on jax, same predictions: True" in text[8] and "(kernel on jax)" in text[8]
    table = [o for o in cells[9]["outputs"] if o["output_type"] == "execute_result"][0]
    assert "<td>jax</td>" in joined(table["data"]["text/html"])
    lines = joined(table["data"]["text/plain"]).splitlines()[1:]
    rows = {r.split()[0]: r.split()[3:5] for r in lines}
    assert rows["jax"] == ["yes", "yes"]  # active, loaded
    assert rows["tensorflow"] == rows["torch"] == ["no", "yes"]
