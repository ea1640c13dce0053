"""kswitch as a Python distribution: the wheel ``python -m build`` makes from this tree, and
``pip install .``, each installed where only Keras and a backend are; then the public API
and the magics in a real Jupyter kernel from there (nbclient)."""

import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile

import pytest
from conftest import PYTHON_DIR
from test_notebook import execute, outputs

ROOT = os.path.abspath(os.path.join(PYTHON_DIR, "..", ".."))
MODULES = sorted(f for f in os.listdir(os.path.join(PYTHON_DIR, "kswitch")) if f.endswith(".py"))
# What the fresh environment gets besides kswitch, at this environment's versions (pip finds
# them in its cache): Keras, the jax backend (numpy's too: jax brings scipy), and ipykernel for
# the Jupyter kernel.
FRESH = ("keras", "jax", "jaxlib", "numpy", "ipykernel")


def description_version():
    with open(os.path.join(ROOT, "DESCRIPTION")) as f:
        return re.search(r"(?m)^Version: (\S+)$", f.read()).group(1)


def run(cmd, **kwargs):
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=900, **kwargs)
    assert out.returncode == 0, out.stdout[-4000:]
    return out.stdout


def test_the_project_is_pure_python_with_no_dependency():
    with open(os.path.join(ROOT, "pyproject.toml")) as f:
        text = f.read()
    assert "dependencies = []" in text and 'requires-python = ">=3.9"' in text
    # No [tool] table: reticulate takes a pyproject.toml with one for a Poetry project's and
    # warns in every R session started in the repository (or binds Poetry's environment).
    assert "\n[tool" not in "\n" + text
    with open(os.path.join(ROOT, "hatch.toml")) as f:
        hatch = f.read()
    assert 'packages = ["inst/python/kswitch"]' in hatch and 'path = "DESCRIPTION"' in hatch


def test_the_r_build_ignores_the_python_distributions_files():
    with open(os.path.join(ROOT, ".Rbuildignore")) as f:
        ignored = [re.compile(line.strip()) for line in f if line.strip()]
    # Not build/: R CMD build keeps its vignette index there (python -m build writes no build/).
    for path in ("pyproject.toml", "hatch.toml", "notebooks", "inst/python/README.md", "dist",
                 "vignettes/articles"):
        assert any(p.search(path) for p in ignored), path
    assert not any(p.search("inst/python/kswitch/public.py") for p in ignored)
    assert not any(p.search("build/vignette.rds") for p in ignored)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel `python -m build --wheel` makes from the tree, in a temporary directory."""
    pytest.importorskip("build", reason="build is not installed (make python-env)")
    out = tmp_path_factory.mktemp("dist")
    before = tree_state()
    run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), ROOT])
    assert tree_state() == before, "building the wheel wrote into the source tree"
    (found,) = out.iterdir()
    return found


def tree_state():
    """The tree as git sees it, but for what other suites write meanwhile (make unit runs the
    R suite beside this one): the project's environments in .cache and the checks' check/."""
    if not os.path.isdir(os.path.join(ROOT, ".git")):
        return ""
    return subprocess.run(
        ["git", "-C", ROOT, "status", "--porcelain", "--ignored", "--untracked=all", "--", ".",
         ":(exclude).cache", ":(exclude)check"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True,
        check=True).stdout


def test_the_wheel_holds_the_core_and_descriptions_version(wheel):
    assert wheel.name == "kswitch-{}-py3-none-any.whl".format(description_version())
    with zipfile.ZipFile(str(wheel)) as z:
        names = z.namelist()
        metadata = z.read("kswitch-{}.dist-info/METADATA".format(description_version()))
    assert sorted(n for n in names if n.startswith("kswitch/")) == \
        ["kswitch/" + m for m in MODULES]
    metadata = metadata.decode()
    assert "Requires-Python: >=3.9" in metadata and "Requires-Dist" not in metadata


def test_pip_install_dot_installs_the_same_package(tmp_path):
    target = tmp_path / "target"
    before = tree_state()
    run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         ROOT])
    assert tree_state() == before
    assert sorted(f for f in os.listdir(str(target / "kswitch")) if f.endswith(".py")) == MODULES


@pytest.fixture(scope="module")
def fresh_python(wheel, tmp_path_factory):
    """A new virtualenv (no system site-packages) with Keras, jax, ipykernel and the wheel."""
    from importlib import metadata
    env = tmp_path_factory.mktemp("fresh") / "venv"
    base = getattr(sys, "_base_executable", None) or sys.executable
    run([base, "-m", "venv", str(env)])
    python = str(env / "bin" / "python")
    pins = ["{}=={}".format(d, metadata.version(d)) for d in FRESH]
    run([python, "-m", "pip", "install", "-q", str(wheel)] + pins)
    return python


def fresh_env(tmp_path):
    env = dict(os.environ, KERAS_HOME=str(tmp_path / "keras-home"), KERAS_BACKEND="",
               TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("PYTHONPATH", None)
    os.makedirs(env["KERAS_HOME"])
    with open(os.path.join(env["KERAS_HOME"], "keras.json"), "w") as f:
        f.write('{"backend": "numpy"}\n')  # Keras's default, tensorflow, is not installed
    return env


def test_the_api_from_a_fresh_virtualenv(fresh_python, tmp_path):
    code = textwrap.dedent("""
        import json, os, sys
        import kswitch
        out = {"where": kswitch.__file__, "imported": "keras" in sys.modules,
               "version": kswitch.__version__}
        import numpy as np
        import keras
        x = np.random.rand(8, 3).astype("float32")
        numpy_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        p = numpy_model.predict(x, verbose=0)
        kswitch.use_backend("jax")
        jax_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        jax_model.compile(optimizer="adam", loss="mse")
        jax_model.fit(x, x[:, :1], verbose=0)
        out["switched"] = [keras.config.backend(), kswitch.backend(),
                           bool(np.allclose(numpy_model.predict(x, verbose=0), p))]
        try:
            kswitch.use_backend("torch")
        except kswitch.BackendUnavailableError as e:
            out["torch"] = str(e).splitlines()[0]
            out["fix"] = e.fix
        out["table"] = [(r["backend"], r["installed"], r["active"]) for r in kswitch.backends()]
        print(json.dumps(out))
    """)
    out = json.loads(run([fresh_python, "-c", code], env=fresh_env(tmp_path)).splitlines()[-1])
    assert out["where"].startswith(os.path.dirname(os.path.dirname(fresh_python)))
    assert out["imported"] is False and out["version"] == description_version()
    assert out["switched"] == ["jax", "jax", True]
    assert out["torch"] == "The \"torch\" backend is not installed in this Python ({}).".format(
        fresh_python)
    assert out["fix"] == "Install it into this Python with `{} -m pip install torch`, then " \
        "switch again.".format(fresh_python)
    assert out["table"] == [["tensorflow", False, False], ["jax", True, True],
                            ["torch", False, False], ["numpy", True, False],
                            ["openvino", False, False]]


def test_the_magics_in_a_jupyter_kernel_of_the_fresh_virtualenv(fresh_python, tmp_path):
    """%load_ext kswitch and %keras_backend jax in a real kernel of the fresh environment,
    driven by nbclient from this one."""
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
    from nbformat.v4 import new_code_cell, new_notebook
    spec = tmp_path / "jupyter-path" / "kernels" / "fresh"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [fresh_python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "fresh", "language": "python"}))
    cells = [
        "%load_ext kswitch\nimport numpy as np\nimport keras\n%keras_backend",
        "x = np.ones((4, 3), 'float32')\n"
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "p = m.predict(x, verbose=0)",
        "%keras_backend jax",
        "j = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "j.compile(optimizer='sgd', loss='mse'); j.fit(x, x[:, :1], verbose=0)\n"
        "print(keras.config.backend(), np.allclose(m.predict(x, verbose=0), p))",
        "%%keras_backend numpy\nkeras.config.backend()",
        "print(keras.config.backend())\nimport kswitch; print(kswitch.__file__)",
        "%keras_backend torch",
    ]
    fresh_env(tmp_path)  # keras.json: numpy
    notebook = tmp_path / "fresh.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), str(notebook))
    # The kernel's UsageError for torch (not installed) is an error cell: allowed on the last.
    nb = execute(notebook, tmp_path, kernel="fresh", allow_errors=True)
    text = [outputs(c) for c in nb["cells"]]
    assert "Keras backend: numpy (from keras.json)" in text[0]
    assert "Installed: jax, numpy" in text[0]
    assert text[2] == "" and text[3] == "jax True\n"
    assert text[4] == "'numpy'"
    assert text[5].splitlines()[0] == "jax"
    assert text[5].splitlines()[1].startswith(os.path.dirname(os.path.dirname(fresh_python)))
    assert "UsageError" in text[6] and "The \"torch\" backend is not installed" in text[6]
    assert not [t for t in text[:6] if "ERROR" in t]


@pytest.mark.parametrize("version", ["3.9", "3.10", "3.11", "3.12", "3.13"])
def test_the_package_imports_and_answers_on_every_supported_python(version, tmp_path):
    """Python >= 3.9, as pyproject.toml says: pyenv's interpreters (no Keras in them), with
    kswitch from the tree."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(v for v in os.listdir(os.path.join(root, "versions"))
                   if v.startswith(version + ".")) if os.path.isdir(root) else []
    if not found:
        pytest.skip("no Python {} under {}".format(version, root))
    python = os.path.join(root, "versions", found[-1], "bin", "python3")
    env = dict(os.environ, PYTHONPATH=os.path.abspath(PYTHON_DIR),
               KERAS_HOME=str(tmp_path / "keras-home"), KERAS_BACKEND="")
    env.pop("LD_LIBRARY_PATH", None)
    out = run([python, "-c", "import sys, kswitch; t = kswitch.backends(); "
               "print(kswitch.backend(), len(t), 'keras' in sys.modules)"], env=env)
    assert out.splitlines()[-1] == "tensorflow 5 False"
