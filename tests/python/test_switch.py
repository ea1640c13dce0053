"""The switch in a fresh Python each time: Keras's import state is process-wide."""

import os

from conftest import run_fresh as run


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


def shadow_torch(tmp_path, files):
    """A broken torch first on sys.path: ``files`` maps paths inside the package to code."""
    for name, code in files.items():
        path = tmp_path / "shadow" / "torch" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code)
    return str(tmp_path / "shadow")


def test_interrupt_during_first_import_leaves_no_half_imported_keras(tmp_path):
    # kswitch imports this torch first (Keras's rule); Keras is interrupted at its first use of
    # torch, half-way through `import keras`: a submodule (Keras 3.15 imports torch.utils
    # first) or an attribute (3.10 reads torch.backends first).
    interrupt = "raise KeyboardInterrupt\n"
    shadow = shadow_torch(tmp_path, {"__init__.py": "__version__ = '2.13.0'\n"
                                                    "def __getattr__(name):\n    " + interrupt,
                                     "utils/__init__.py": interrupt})
    assert run("""
        import sys
        from kswitch import api
        api.use_backend("torch", persist=False)
        try:
            api.keras_module()
        except KeyboardInterrupt:
            pass
        print(sorted(m for m in sys.modules if m.startswith("keras")))
    """, tmp_path, extra_path=[shadow]) == "[]"


def test_missing_native_library_names_the_package(tmp_path):
    import glob
    import importlib.util
    import shutil
    shadow = shadow_torch(tmp_path, {"__init__.py": "from torch._C import *  # noqa\n"})
    real = os.path.dirname(importlib.util.find_spec("torch").origin)
    for so in glob.glob(os.path.join(real, "_C.*.so")):
        shutil.copy(so, os.path.join(shadow, "torch"))
    out = run("""
        from kswitch import api
        api.use_backend("torch", persist=False)
        print(api.r_call("keras_module")["error"]["bullets"][0][1])
    """, tmp_path, extra_path=[shadow])
    assert out.startswith('Importing "torch" failed with ImportError: libtorch_python.so')


def test_failing_package_names_the_top_level_package():
    import types

    from kswitch.switch import failing_package
    assert failing_package(ImportError("x", name="torch._C"), "keras") == "torch"
    e = AttributeError("module 'jax' has no attribute 'monitoring'")
    e.obj = types.ModuleType("jax")
    assert failing_package(e, "tensorflow") == "jax"
    assert failing_package(RuntimeError("?"), "tensorflow") == "tensorflow"


def test_a_missing_module_is_named_not_the_import_hook_that_reported_it(tmp_path):
    # reticulate's import hook (rpytools) is the deepest frame of every import in R.
    (tmp_path / "rpytools").mkdir()
    (tmp_path / "rpytools" / "__init__.py").write_text(
        "import importlib\n"
        "def hooked_import(name):\n"
        "    return importlib.import_module(name)\n")
    import sys

    from kswitch.switch import failing_package
    sys.path.insert(0, str(tmp_path))
    try:
        import rpytools
        try:
            rpytools.hooked_import("kswitch_no_such_module_jax")
        except ModuleNotFoundError as e:
            assert failing_package(e, "keras") == "kswitch_no_such_module_jax"
        else:
            raise AssertionError("the import did not fail")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("rpytools", None)


def test_unknown_backend_in_the_file_is_a_config_error_and_use_backend_still_works(tmp_path):
    (tmp_path / "kh").mkdir()
    (tmp_path / "kh" / "keras.json").write_text('{"backend": "foo"}')
    assert run("""
        from kswitch import api
        e = api.r_call("keras_module")["error"]
        assert e["classes"][0] == "kswitch_error_config", e
        assert e["path"].endswith("keras.json") and e["path"] in e["message"]
        assert "Keras 3" in e["message"] and 'use_backend("tensorflow"' in str(e["bullets"])
        api.use_backend("jax", persist=False)
        print(api.keras_module().config.backend())
    """, tmp_path) == "jax"

def test_scope_restores_an_imported_session(tmp_path):
    assert run("""
        import os, sys
        from kswitch import api
        api.use_backend("tensorflow", persist=False)
        api.set_epsilon(1e-3)
        keras = api.keras_module()
        state = api.begin_scope("jax", epsilon=0.5, floatx="float64")
        inside = (api.backend(), api.get_setting("epsilon"), api.get_setting("floatx"))
        assert inside == ("jax", 0.5, "float64"), inside
        api.end_scope(state)
        assert sys.modules["keras"] is keras and os.environ["KERAS_BACKEND"] == "tensorflow"
        print(api.backend(), api.get_setting("epsilon"), api.get_setting("floatx"))
    """, tmp_path) == "tensorflow 0.001 float32"


def test_scope_checks_everything_before_changing_anything(tmp_path):
    assert run("""
        import os, sys
        from kswitch import api
        before = (api.backend(), os.environ.get("KERAS_BACKEND"), "keras" in sys.modules)
        out = api.r_call("begin_scope", "jax", epsilon=-1)
        assert out["error"]["argument"] == "epsilon", out
        assert (api.backend(), os.environ.get("KERAS_BACKEND"), "keras" in sys.modules) == before
        print("unchanged")
    """, tmp_path) == "unchanged"


def test_scope_that_first_imported_keras_parks_it_with_the_file_settings(tmp_path):
    home = tmp_path / "kh"
    home.mkdir()
    (home / "keras.json").write_text('{"backend": "jax", "epsilon": 0.01}')
    assert run("""
        import os, sys
        from kswitch import api, switch
        state = api.begin_scope("jax", epsilon=0.5)
        jax_keras = api.keras_module()
        api.end_scope(state)
        assert "keras" not in sys.modules and os.environ["KERAS_BACKEND"] == ""
        assert api.keras_module() is jax_keras  # the parked tree, not a second import
        print(api.get_setting("epsilon"))
    """, tmp_path) == "0.01"


def test_first_import_writes_a_missing_keras_json_atomically_itself(tmp_path):
    # Keras would write it in place, unlocked, without a trailing newline; kswitch's atomic
    # write (same content, with the newline) leaves it nothing to write.
    assert run("""
        from kswitch import api, config
        api.use_backend("jax", persist=False)
        api.keras_module()
        path = config.config_path()
        text = open(path).read()
        assert config.read_config(path) == config.DEFAULTS, text
        print(repr(text[-2:]))
    """, tmp_path) == repr("}\n")


def test_float64_is_real_on_jax_after_a_switch(tmp_path):
    # JAX truncates float64 to float32 unless its x64 mode is on: weights must hold what
    # they report.
    out = run("""
        import sys
        from kswitch import api, switch
        api.use_backend("tensorflow", persist=False)
        api.set_floatx("float64")
        api.use_backend("jax", persist=False)
        k = switch.keras_module()
        w = k.Sequential([k.Input((3,)), k.layers.Dense(1)]).weights[0]
        print(w.dtype, w.value.dtype, k.ops.convert_to_numpy(w).dtype)
    """, tmp_path)
    assert out == "float64 float64 float64"
