"""Suite 3: backends that fail to import, for real, during a switch and at first import.

Each case runs in a fresh Python with a broken package placed first on sys.path (a shadow
package that raises, one with a missing native library, one that is importable but incomplete
so that Keras fails half-way through its own import). Checked for every case: the error's class,
that it names the failing package and the fix; the session is still on the previous backend
and trains; no keras* module of the failed attempt remains; keras.json is byte-for-byte
unchanged (the switch was not persisted, even with persist=True).
"""

import concurrent.futures
import glob
import json
import os
import shutil
import sys
import time

import common  # noqa: F401  (puts kswitch on sys.path)
from common import child_env, report, run_child, temp_root

# name, mode, previous backend, target, persist, broken module, how it breaks, and what the
# error must say (besides the fix); None where the interrupt itself must come through.
CASES = [
    ("torch raises ImportError", "switch", "jax", "torch", False, "torch", "importerror",
     "torch"),
    ("torch's native library is missing", "switch", "jax", "torch", True, "torch", "native",
     ("libtorch_python.so", 'Importing "torch"')),
    ("tensorflow raises RuntimeError", "switch", "jax", "tensorflow", True, "tensorflow",
     "runtimeerror", "tensorflow"),
    ("torch has a SyntaxError", "switch", "jax", "torch", False, "torch", "syntax", "torch"),
    ("torch importable but incomplete: Keras fails half-way", "switch", "jax", "torch", True,
     "torch", "incomplete", "torch"),
    ("openvino raises ImportError", "switch", "jax", "openvino", False, "openvino",
     "importerror", "openvino"),
    ("KeyboardInterrupt during the import", "switch", "jax", "torch", True, "torch",
     "interrupt", None),
    ("SystemExit during the import", "switch", "jax", "torch", False, "torch", "exit", None),
    ("first import: torch's native library is missing", "first_import", "jax", "torch", False,
     "torch", "native", ("libtorch_python.so", 'Importing "torch"')),
    ("first import: torch incomplete, Keras fails half-way", "first_import", "jax", "torch",
     False, "torch", "incomplete", "torch"),
    ("first import: KeyboardInterrupt", "first_import", "jax", "torch", False, "torch",
     "interrupt", None),
]

EXPECTED_CLASS = {"switch": "kswitch_error_switch_failed",
                  "first_import": "kswitch_error_keras_unavailable"}


def make_shadow(root, module, how):
    """A broken package named ``module`` in a new directory, returned for sys.path."""
    package = os.path.join(root, module)
    os.makedirs(package)
    body = {
        "importerror": 'raise ImportError("simulated broken {} install")'.format(module),
        "runtimeerror": 'raise RuntimeError("{}: simulated driver failure")'.format(module),
        "syntax": "def broken(:\n",
        "incomplete": '__version__ = "2.13.0"  # no submodules: Keras fails half-way\n',
        # Ctrl-C while Keras is half-way through its import (at its import of torch.utils).
        "interrupt": '__version__ = "2.13.0"\n',
        "exit": "raise SystemExit(3)\n",
        "native": "from torch._C import *  # noqa: F401,F403\n",
    }[how]
    with open(os.path.join(package, "__init__.py"), "w") as f:
        f.write(body)
    if how == "interrupt":
        os.makedirs(os.path.join(package, "utils"))
        with open(os.path.join(package, "utils", "__init__.py"), "w") as f:
            f.write("raise KeyboardInterrupt\n")
    if how == "native":  # the real extension, without the libraries beside it
        import importlib.util
        real = os.path.dirname(importlib.util.find_spec("torch").origin)
        for so in glob.glob(os.path.join(real, "_C.*.so")):
            shutil.copy(so, package)
    return root


def child(spec_json):
    """One case, in this fresh Python."""
    spec = json.loads(spec_json)
    import numpy as np
    from kswitch import api

    def keras_modules():
        return sorted(m for m in sys.modules if m.startswith("keras"))

    def train():
        keras = api.keras_module()
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        x, y = np.random.rand(16, 4), np.random.rand(16, 1)
        model.fit(x, y, epochs=1, verbose=0)
        return float(model.evaluate(x, y, verbose=0))

    path = api.config_path()
    with open(path, "rb") as f:
        before = f.read()
    if spec["mode"] == "switch":
        api.use_backend(spec["previous"], persist=False)
        train()
        sys.path.insert(0, spec["shadow"])  # broken from now on, as after a bad upgrade
        keras = api.keras_module()
        modules, env = keras_modules(), os.environ.get("KERAS_BACKEND")
        call = ("use_backend", spec["target"])
        kwargs = {"persist": spec["persist"]}
    else:
        sys.path.insert(0, spec["shadow"])
        api.use_backend(spec["target"], persist=False)
        keras, modules, env = None, [], spec["previous"]
        call, kwargs = ("keras_module",), {}
    try:
        error = api.r_call(*call, **kwargs)["error"] or {"classes": ["no error"]}
    except BaseException as e:  # noqa: BLE001 - an interrupt must come through, after rollback
        error = {"classes": [type(e).__name__], "message": "", "bullets": []}
    left = keras_modules()
    if spec["mode"] == "first_import":
        api.use_backend(spec["previous"], persist=False)
    loss = train()
    with open(path, "rb") as f:
        after = f.read()
    print(json.dumps({
        "class": error["classes"][0],
        "message": " ".join([error.get("message", "")] + [b[1] for b in error.get("bullets", [])]),
        "backend": api.backend(),
        "same_keras": keras is None or sys.modules["keras"] is keras,
        "no_partial_modules": left == modules,
        "partial_modules": sorted(set(left) ^ set(modules))[:5],
        "env_restored": spec["mode"] == "first_import" or os.environ.get("KERAS_BACKEND") == env,
        "loss": loss, "file_unchanged": before == after,
    }))


def run_case(root, case):
    name, mode, previous, target, persist, module, how, words = case
    work = os.path.join(root, "case-%d" % CASES.index(case))
    home = os.path.join(work, "keras-home")
    os.makedirs(home)
    with open(os.path.join(home, "keras.json"), "w") as f:
        f.write('{"backend": "%s", "custom": [1, 2]}' % previous)
    shadow = make_shadow(os.path.join(work, "shadow"), module, how)
    spec = dict(mode=mode, previous=previous, target=target, persist=persist, shadow=shadow)
    try:
        out = run_child([os.path.abspath(__file__), json.dumps(spec)],
                        child_env(home, TORCHINDUCTOR_CACHE_DIR=os.path.join(work, "inductor")),
                        timeout=300)
    except Exception as e:  # noqa: BLE001 - a crashed case is a failed case, with its reason
        return {"case": name, "mode": mode, "switch": "{} -> {}".format(previous, target),
                "persist": persist, "class": None, "failed_checks": ["the case crashed"],
                "partial_modules": [], "message": str(e)[-1500:]}
    expected = EXPECTED_CLASS[mode] if words else {"interrupt": "KeyboardInterrupt",
                                                   "exit": "SystemExit"}[how]
    checks = {
        "error class": out["class"] == expected,
        "names the package": words is None or all(
            w in out["message"] for w in ([words] if isinstance(words, str) else words)),
        "names the fix": words is None or "install_backends(" in out["message"],
        "still on the previous backend": out["backend"] == previous and out["same_keras"],
        "still trains": out["loss"] == out["loss"] and abs(out["loss"]) < 1e6,
        "no partial keras modules": out["no_partial_modules"],
        "KERAS_BACKEND restored": out["env_restored"],
        "keras.json unchanged": out["file_unchanged"],
    }
    return {"case": name, "mode": mode, "switch": "{} -> {}".format(previous, target),
            "persist": persist, "class": out["class"],
            "failed_checks": [c for c, ok in checks.items() if not ok],
            "partial_modules": out["partial_modules"], "message": out["message"][:300]}


def main():
    started = time.time()
    with temp_root("faults") as root:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            cases = list(pool.map(lambda c: run_case(root, c), CASES))
    failed = [c for c in cases if c["failed_checks"]]
    result = {"cases": cases, "faults": len(cases), "failed": len(failed),
              "checks_per_case": 8, "ok": not failed}
    return report("faults", result, started)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        sys.exit(main())
