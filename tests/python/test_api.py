"""kswitch.api, what R calls: r_call() and its entry points, and the rules composed there.

These run in this process only where Keras is never imported; what imports Keras is in
test_switch.py, each in a fresh Python.
"""

import glob
import inspect
import json
import os
import re
import subprocess
import sys

import pytest
from conftest import run_fresh
from kswitch import api, registry
from kswitch.errors import BackendElsewhereError, ConfigError, UnknownBackendError

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(api.__file__)))
R_DIR = os.path.join(PYTHON_DIR, "..", "..", "R")


@pytest.fixture
def no_keras(monkeypatch):
    """Keras not imported here, and no KERAS_BACKEND: what a fresh R session starts with."""
    assert not [m for m in sys.modules if m == "keras" or m.startswith("keras.")]
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    yield
    assert "keras" not in sys.modules, "the test imported Keras into the pytest process"


def test_r_call_returns_the_value_or_the_error_as_data():
    assert api.r_call("comparison_target", "numpy") == {
        "value": api.comparison_target("numpy"), "error": None, "tree": None}
    with pytest.raises(UnknownBackendError) as raised:
        api.comparison_target("Torch", argument="backends")
    out = api.r_call("comparison_target", "Torch", argument="backends")
    assert out == {"value": None, "error": raised.value.to_dict(), "tree": None}
    assert out["error"]["classes"][0] == "kswitch_error_backend_unknown"
    assert out["error"]["argument"] == "backends" and out["error"]["value"] == "Torch"


@pytest.mark.parametrize("name", ["r_call", "_with_persisted", "_other_installed", "os",
                                  "subprocess", "switch", "KswitchError", "__import__", ""])
def test_r_call_refuses_what_is_not_an_entry_point(name):
    with pytest.raises(ValueError, match="no R entry point"):
        api.r_call(name)


def test_r_call_lets_anything_but_a_kswitch_error_through():
    # A wrong call is kswitch's bug, not the user's: it must not come back as a user error.
    with pytest.raises(TypeError):
        api.r_call("comparison_target")


def test_the_entry_points_are_exactly_what_r_calls():
    sources = glob.glob(os.path.join(R_DIR, "*.R"))
    if not sources:
        pytest.skip("the R sources are not beside inst/python")
    text = "".join(open(path).read() for path in sources)
    # core_child_call() is core_call() in a child Python before the session's starts.
    called = set(re.findall(r'core_(?:child_)?call\(\s*"(\w+)"', text))
    assert sorted(called - set(api.__all__)) == [], "R calls names r_call() refuses"
    assert sorted(set(api.__all__) - called) == [], "entry points R never calls"
    assert set(re.findall(r"core\(\)\$(\w+)", text)) == {"r_call"}  # R's only way in
    for name in api.__all__:
        assert inspect.isfunction(getattr(api, name)), name


def test_importing_the_core_imports_no_keras_and_no_backend():
    code = ("import importlib, pkgutil, sys, kswitch\n"
            "for m in pkgutil.iter_modules(kswitch.__path__):\n"
            "    importlib.import_module('kswitch.' + m.name)\n"
            "top = {m.split('.')[0] for m in sys.modules}\n"
            "print(len([m for m in sys.modules if m.startswith('kswitch.')]),\n"
            "      sorted(top & {'keras', 'tensorflow', 'jax', 'torch', 'numpy', 'openvino'}))")
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR)
    out = subprocess.run([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    assert out.returncode == 0, out.stderr
    modules, heavy = out.stdout.split(" ", 1)
    assert int(modules) == len(glob.glob(os.path.join(PYTHON_DIR, "kswitch", "*.py"))) - 1
    assert heavy.strip() == "[]"


def test_comparison_target_versions_and_argument():
    target = api.comparison_target("numpy")
    assert target == {"backend": "numpy", "here": True,
                      "backend_version": registry.distribution_version(("numpy",)),
                      "keras_version": registry.keras_version()}
    with pytest.raises(UnknownBackendError) as e:
        api.comparison_target("Torch", argument="backends")
    assert e.value.argument == "backends"


@pytest.mark.parametrize("name, backend", [("theano", "theano"),
                                           ("keras2-tensorflow", "tensorflow")])
def test_comparison_target_of_the_other_generation(name, backend):
    assert api.comparison_target(name) == {"backend": backend, "here": False,
                                           "backend_version": None, "keras_version": None}
    with pytest.raises(BackendElsewhereError) as e:
        api.comparison_target(name, in_session=True)
    assert e.value.argument == "backends" and e.value.value == name
    assert 'compare_backends(isolate = "process")' in str(e.value)


def test_backend_missing_says_why_on_one_line():
    assert api.backend_missing("jax") is None
    reason = api.backend_missing("theano")  # Keras 2.3.1's, in another environment
    assert "multi-backend Keras 2.3.1" in reason and "\n" not in reason
    with pytest.raises(UnknownBackendError) as e:  # a typo is an error, not a skip
        api.backend_missing("Jax", argument="backends")
    assert e.value.argument == "backends"


def test_backend_missing_says_when_keras_itself_is_missing():
    # -S: no site-packages, so this Python has no Keras (and no backend).
    out = subprocess.run([sys.executable, "-S", "-c",
                          "from kswitch import api; print(api.backend_missing('jax'))"],
                         env=dict(os.environ, PYTHONPATH=PYTHON_DIR), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "Keras is not installed in this Python ({})\n".format(sys.executable)


def test_a_switch_where_keras_is_missing_too_asks_for_both():
    # A Python nobody set up for Keras: installing jax alone would only lead to the next error.
    code = ("from kswitch import api, registry; registry.SESSION['kind'] = 'RETICULATE_PYTHON'\n"
            "print(api.r_call('use_backend', 'jax', persist=False)['error']['bullets'])")
    out = subprocess.run([sys.executable, "-S", "-c", code],
                         env=dict(os.environ, PYTHONPATH=PYTHON_DIR), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert 'Python cannot find "keras", "jax".' in out.stdout
    assert 'Install them into this Python' in out.stdout
    assert 'reticulate::py_install(c("keras", "jax"))' in out.stdout


@pytest.mark.parametrize("text, mode, words", [('{"backend": ', 0o644, "not valid JSON"),
                                               ('{"backend": "jax"}', 0o444, "read-only")])
@pytest.mark.parametrize("call", [lambda: api.use_backend("torch"),
                                  lambda: api.set_epsilon(0.5, persist=True),
                                  lambda: api.set_floatx("float64", persist=True)],
                         ids=["use_backend", "set_epsilon", "set_floatx"])
def test_a_persisting_call_refuses_the_file_before_it_changes_the_session(
        keras_home, no_keras, text, mode, words, call):
    keras_home.mkdir()
    path = keras_home / "keras.json"
    path.write_text(text)
    path.chmod(mode)
    with pytest.raises(ConfigError, match=words):
        call()
    assert os.environ.get("KERAS_BACKEND") is None and path.read_text() == text


def test_comparison_target_here_and_in_the_other_environment():
    assert api.comparison_target("jax") == {
        "backend": "jax", "here": True,
        "backend_version": registry.distribution_version(("jax",)),
        "keras_version": registry.keras_version()}
    for name, backend in (("keras2-tensorflow", "tensorflow"), ("theano", "theano")):
        assert api.comparison_target(name) == {"backend": backend, "here": False,
                                               "backend_version": None, "keras_version": None}
    with pytest.raises(UnknownBackendError) as e:
        api.comparison_target("keras2-jax")
    assert e.value.argument == "backends"


COLUMNS = ["backend", "installed", "version", "active", "loaded", "trainable", "keras", "python"]


def test_backends_table_has_this_pythons_backends_then_the_other_generations(keras_home,
                                                                             no_keras):
    table = api.backends_table()
    assert list(table) == COLUMNS and {len(c) for c in table.values()} == {8}
    assert table["backend"] == list(registry.NAMES) + ["tensorflow", "theano", "cntk"]
    assert table["active"] == [n == "tensorflow" for n in registry.NAMES] + [False] * 3
    assert table["loaded"] == [False] * 8  # nothing imported yet
    assert table["trainable"] == [True, True, True, False, False, True, True, True]
    assert table["python"] == [sys.executable] * 5 + [None] * 3
    assert table["keras"] == [registry.keras_version()] * 5 + [None] * 3
    assert table["installed"][5:] == [False] * 3 and table["version"][5:] == [None] * 3
    missing = str(keras_home / "no-such-python")  # named, so R can say where it looked
    assert api.backends_table({"python": missing}) == \
        dict(table, python=table["python"][:5] + [missing] * 3)


def test_an_untrusted_keras_json_does_not_hide_the_backends_table(keras_home, no_keras):
    keras_home.mkdir()
    (keras_home / "keras.json").write_text('{"backend": ')
    table = api.backends_table()
    assert table["active"] == [False] * 8 and table["installed"][:4] == [True] * 4


def test_backends_table_shows_what_the_other_environments_python_reports(keras_home, no_keras,
                                                                         legacy_python):
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR)  # as R's run_python() starts it
    env.pop("LD_LIBRARY_PATH", None)
    out = subprocess.run([legacy_python, "-m", "kswitch.bind", "installed"], env=env,
                         stdout=subprocess.PIPE, universal_newlines=True, check=True)
    table = api.backends_table(json.loads(out.stdout))
    assert table["installed"][5:] == [True] * 3
    assert table["version"][5:] == ["1.14.0", "1.0.4", "2.7"]
    assert table["keras"][5:] == ["2.3.1"] * 3 and table["python"][5:] == [legacy_python] * 3
    assert table["active"][5:] == [False] * 3


def test_config_info_reports_a_bad_file_instead_of_failing(keras_home, no_keras):
    keras_home.mkdir()
    path = keras_home / "keras.json"
    path.write_text('{"backend": "jax", "mine": 1}')
    info = api.config_info()
    assert (info["path"], info["exists"], info["file"]) == (str(path), True,
                                                           {"backend": "jax", "mine": 1})
    assert (info["backend"], info["backend_source"], info["file_error"]) == ("jax", "keras.json",
                                                                             None)
    assert not info["keras_imported"] and info["session"] is None
    path.write_text('{"backend": ')
    info = api.config_info()
    assert str(path) in info["file_error"] and "not valid JSON" in info["file_error"]
    assert info["file"] is None and info["backend"] is None


# A write of keras.json that fails after every check passed (a full disk), injected where
# api.py writes, and what must then hold: the session, KERAS_BACKEND and who set it, and the
# file, exactly as before.
FAILING_WRITE = """
    import errno, hashlib, os, sys
    from kswitch import api, config, switch

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    def state():
        path = config.config_path()
        digest = hashlib.sha1(open(path, "rb").read()).hexdigest() if os.path.exists(path) \\
            else None
        keras = sys.modules.get("keras")
        return (api.backend(), os.environ.get("KERAS_BACKEND"), switch.backend_source(),
                switch._set_by_kswitch, id(keras), digest,
                keras.config.epsilon() if keras else None)

    def fails_cleanly(name, *args, **kwargs):
        before = state()
        real, config.update_config = config.update_config, disk_full
        try:
            out = api.r_call(name, *args, **kwargs)
        finally:
            config.update_config = real
        error = out["error"]
        assert error["classes"] == ["kswitch_error_config", "kswitch_error"], error
        assert error["path"] == config.config_path(), error
        assert "No space left on device" in str(error["bullets"]), error
        assert state() == before, (state(), before)
"""


def test_failed_write_after_a_parked_tree_leaves_the_session_as_it_was(tmp_path):
    assert run_fresh(FAILING_WRITE + """
    config.update_config({"backend": "tensorflow"})
    st = api.begin_scope(backend="jax")
    import keras  # noqa: F401 - imported inside the scope: its tree is parked at the end
    api.end_scope(st)
    assert "keras" not in sys.modules and switch.loaded_backends() == ["jax"]
    fails_cleanly("use_backend", "jax", persist=True)
    assert "keras" not in sys.modules and switch.loaded_backends() == ["jax"]
    print(api.backend(), api.keras_module().config.backend())
    """, tmp_path) == "tensorflow tensorflow"


def test_failed_write_in_a_loaded_session_keeps_an_outside_keras_backend(tmp_path):
    assert run_fresh(FAILING_WRITE + """
    keras = api.keras_module()
    assert switch.backend_source() == "KERAS_BACKEND"
    api.use_backend("jax", persist=False)
    api.use_backend("tensorflow", persist=False)  # both trees loaded; kswitch set the variable
    assert switch.backend_source() == "kswitch"
    os.environ["KERAS_BACKEND"] = "tensorflow"  # as if set outside kswitch again
    switch._set_by_kswitch = None
    fails_cleanly("use_backend", "jax", persist=True)
    fails_cleanly("use_backend", "torch", persist=True)  # a first import, undone too
    assert sys.modules["keras"] is keras and switch.backend_source() == "KERAS_BACKEND"
    fails_cleanly("set_epsilon", 1e-3, persist=True)
    fails_cleanly("set_floatx", "float64", persist=True)
    fails_cleanly("set_image_data_format", "channels_first", persist=True)
    assert (keras.config.floatx(), keras.config.image_data_format()) == \\
        ("float32", "channels_last")
    api.use_backend("jax", persist=True)  # and the next write works
    print(api.backend(), switch.backend_source(), config.read_config()["backend"])
    """, tmp_path, env_overrides={"KERAS_BACKEND": "tensorflow"}) == "jax kswitch jax"


def test_r_call_names_the_active_keras_tree(tmp_path):
    # R repoints the R Keras packages when this changes: it must change with every switch,
    # come back with a parked tree, and be None when Keras is not imported.
    assert run_fresh("""
    from kswitch import api
    trees = [api.r_call("backend")["tree"], api.r_call("keras_module")["tree"]]
    for name in ("jax", "tensorflow"):
        trees.append(api.r_call("use_backend", name, persist=False)["tree"])
    failed = api.r_call("use_backend", "Jax", persist=False)
    assert failed["error"] and failed["tree"] == trees[-1]
    print(trees[0], trees[1] != trees[2], trees[1] == trees[3])
    """, tmp_path) == "None True True"
