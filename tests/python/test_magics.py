"""The ``%keras_backend`` magics through IPython's own InteractiveShell, with real Keras (in a
fresh Python: Keras's import state is process-wide)."""

import json
import textwrap

import pytest
from conftest import run_fresh

SHELL = """
    import json, os, sys
    from IPython.testing.globalipapp import start_ipython
    from IPython.utils.capture import capture_output

    ip = start_ipython()
    ip.Completer.use_jedi = False  # jedi would cache in ~/.cache; kswitch's completer is not jedi
    path = os.path.join(os.environ["KERAS_HOME"], "keras.json")

    def run(cell):
        with capture_output() as out:
            result = ip.run_cell(cell)
        error = result.error_in_exec or result.error_before_exec
        return {"stdout": out.stdout, "stderr": out.stderr, "result": result.result,
                "error": type(error).__name__ if error else None}

    def file():
        return open(path).read() if os.path.exists(path) else None
"""


def shell(code, tmp_path):
    pytest.importorskip("IPython", reason="IPython is not installed (make python-env)")
    return json.loads(run_fresh(textwrap.dedent(SHELL) + textwrap.dedent(code), tmp_path,
                                env_overrides={"IPYTHONDIR": str(tmp_path / "ipython")}))


def test_status_bad_input_and_completion_before_keras(tmp_path):
    out = shell("""
        out = {"load": run("%load_ext kswitch")["error"], "status": run("%keras_backend")}
        out["bad"] = [run(c) for c in ("%keras_backend Jax", "%keras_backend jax torch",
                                       "%keras_backend jax --force", "%%keras_backend\\n1",
                                       "%%keras_backend jax --persist\\n1",
                                       "%%keras_backend pytorch\\n1")]
        out["after_bad"] = [file(), os.environ.get("KERAS_BACKEND") or None, "keras" in sys.modules]
        out["complete"] = [ip.complete("", "%keras_backend j", 16)[1],
                           ip.complete("", "%keras_backend ", 15)[1],
                           ip.complete("", "%keras_backend torch ", 21)[1],
                           ip.complete("", "%%keras_backend t", 17)[1]]
        print(json.dumps(out, default=str))
    """, tmp_path)
    assert out["load"] is None
    assert out["status"]["stdout"].splitlines() == [
        "Keras backend: tensorflow (Keras's default)",
        "Loaded in this kernel: none (Keras is not imported yet)",
        out["status"]["stdout"].splitlines()[2]]
    assert out["status"]["stdout"].splitlines()[2].startswith("Installed: tensorflow, jax")
    for bad in out["bad"]:
        assert bad["error"] == "UsageError" and bad["stdout"] == ""
        assert len(bad["stderr"].strip().splitlines()) == 1, bad["stderr"]  # no traceback
    assert out["bad"][0]["stderr"].startswith(
        "UsageError: `backend` must be a Keras backend name. \"Jax\" is not a Keras backend "
        "(names are case-sensitive).")
    assert "Did you mean \"jax\"?" in out["bad"][0]["stderr"]
    assert "one backend at most" in out["bad"][1]["stderr"]
    assert "unknown option --force" in out["bad"][2]["stderr"]
    assert "UsageError: `backend` must be a Keras backend name." in out["bad"][5]["stderr"]
    assert out["after_bad"] == [None, None, False]
    assert out["complete"] == [["jax"], ["tensorflow", "jax", "torch", "numpy", "openvino"],
                               ["--persist"], ["tensorflow", "torch"]]


def test_switching_a_shell_names_follow_objects_keep_their_backend(tmp_path):
    out = shell("""
        out = {}
        run("%load_ext kswitch")
        run("import numpy as np\\nimport keras\\nfrom keras import layers, ops\\n"
            "import keras.ops as kops\\nfrom keras.layers import Dense\\n"
            "x = np.random.rand(16, 4).astype('float32'); y = x[:, :1]\\n"
            "m = keras.Sequential([keras.Input((4,)), Dense(2), layers.Dense(1)])\\n"
            "m.compile(optimizer='adam', loss='mse'); m.fit(x, y, verbose=0)\\n"
            "p = m.predict(x, verbose=0)")
        ns = ip.user_ns
        old = {k: ns[k] for k in ("keras", "layers", "ops", "kops", "Dense", "m")}
        before = file()
        out["switch"] = run("%keras_backend jax")
        out["file"] = [json.loads(before)["backend"], file() == before]
        out["names"] = [ns["keras"].config.backend(), ns["keras"] is sys.modules["keras"],
                        ns["layers"] is sys.modules["keras.layers"],
                        ns["ops"] is sys.modules["keras.ops"], ns["kops"] is ns["ops"],
                        ns["Dense"] is old["Dense"], ns["m"] is old["m"]]
        out["tf_model_on_jax"] = run(
            "import numpy as np\\n"
            "print(np.allclose(m.predict(x, verbose=0), p), m.fit(x, y, verbose=0) is not None,"
            " keras.config.backend(), type(ops.ones(1)).__module__.split('.')[0])")["stdout"]
        out["status"] = run("%keras_backend")["stdout"]
        cell = run("%%keras_backend torch\\nt = keras.Sequential([keras.Input((4,)), "
                   "layers.Dense(1)])\\nt.compile(optimizer='sgd', loss='mse')\\n"
                   "t.fit(x, y, verbose=0)\\nkeras.config.backend()")
        out["cell"] = [cell["result"], cell["error"], ns["keras"].config.backend(),
                       ns["keras"] is sys.modules["keras"]]
        out["quiet"] = run("%%keras_backend torch\\nkeras.config.backend();")["result"]
        failing = run("%%keras_backend tensorflow\\nraise KeyError('in the cell')")
        out["failing"] = [failing["error"], "in the cell" in failing["stdout"] + failing["stderr"],
                          ns["keras"].config.backend()]
        out["torch_model_on_jax"] = run("print(t.predict(x, verbose=0).shape)")["stdout"]
        run("import kswitch\\nkswitch.use_backend('torch')")
        out["use_backend"] = [ns["keras"].config.backend(), ns["layers"] is
                              sys.modules["keras.layers"], file() == before]
        out["persist"] = [run("%keras_backend jax --persist")["error"], file()]
        out["unload"] = [run("%unload_ext kswitch")["error"], run("%keras_backend")["error"]]
        print(json.dumps(out, default=str))
    """, tmp_path)
    assert out["switch"]["error"] is None and out["switch"]["stdout"] == ""
    assert out["file"] == ["tensorflow", True]  # session only: keras.json untouched
    assert out["names"] == ["jax", True, True, True, True, True, True]
    assert out["tf_model_on_jax"] == "True True jax jaxlib\n"
    assert out["status"].splitlines()[:2] == [
        "Keras backend: jax (set in this kernel; keras.json says tensorflow)",
        "Loaded in this kernel: jax, tensorflow"]
    assert out["cell"] == ["torch", None, "jax", True]
    assert out["quiet"] is None
    assert out["failing"] == ["KeyError", True, "jax"]
    assert out["torch_model_on_jax"] == "(16, 1)\n"
    assert out["use_backend"] == ["torch", True, True]
    assert out["persist"][0] is None and json.loads(out["persist"][1])["backend"] == "jax"
    assert out["unload"] == [None, "UsageError"]
