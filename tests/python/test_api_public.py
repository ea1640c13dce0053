"""kswitch's public Python API (``import kswitch``, public.py): the face Python and Jupyter
users call, over api.py.

Through the public names only. What imports Keras runs in a fresh Python (Keras's import
state is process-wide), with real backends; the rest here, before test_objects.py imports
Keras into this process (as test_api.py).
"""

import json
import os
import re
import sys
import typing

import kswitch
import pytest
from conftest import PYTHON_DIR, run_fresh
from kswitch import registry

ROOT = os.path.abspath(os.path.join(PYTHON_DIR, "..", ".."))
PUBLIC = ["use_backend", "backend", "backends", "backend_scope", "carry_model"]


@pytest.fixture(autouse=True)
def own_session(monkeypatch):
    """The public API names this Python's kind ("python") in registry.SESSION: each test gets
    its own copy, so the tests after these see the default."""
    monkeypatch.setattr(registry, "SESSION", dict(registry.SESSION))


@pytest.fixture
def no_keras(monkeypatch, keras_home):
    assert "keras" not in sys.modules
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    yield keras_home
    assert "keras" not in sys.modules, "the test imported Keras into the pytest process"


def test_import_kswitch_imports_no_keras_ipython_or_backend(tmp_path):
    out = run_fresh("""
        import sys
        import kswitch
        kswitch.backend(), kswitch.backends()
        heavy = ("keras", "IPython", "tensorflow", "jax", "torch", "numpy", "openvino")
        print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
    """, tmp_path)
    assert out == "[]"


def test_the_version_is_descriptions():
    with open(os.path.join(ROOT, "DESCRIPTION")) as f:
        version = re.search(r"(?m)^Version: (\S+)$", f.read()).group(1)
    assert kswitch.__version__ == version


@pytest.mark.parametrize("name", PUBLIC)
def test_public_functions_are_documented_and_typed(name):
    fn = getattr(kswitch, name)
    assert fn.__doc__ and len(fn.__doc__.strip().splitlines()) > 2
    target = fn.__init__ if isinstance(fn, type) else fn
    assert typing.get_type_hints(target), name
    assert name in kswitch.__all__


def test_the_errors_are_the_cores_classes():
    from kswitch import errors
    for name in ("WrongBackendError", "UnknownBackendError", "BackendUnavailableError",
                 "SwitchFailedError", "ConfigError", "CarryFailedError", "KswitchError"):
        assert getattr(kswitch, name) is getattr(errors, name)
        assert name in kswitch.__all__
    assert issubclass(kswitch.UnknownBackendError, ValueError)


def test_backends_is_a_table_of_this_kerass_backends(no_keras):
    table = kswitch.backends()
    assert [r["backend"] for r in table] == ["tensorflow", "jax", "torch", "numpy", "openvino"]
    assert set(table[0]) == {"backend", "installed", "version", "active", "loaded", "trainable"}
    assert [r["active"] for r in table] == [True, False, False, False, False]
    assert not any(r["loaded"] for r in table)
    assert [r["trainable"] for r in table] == [True, True, True, False, False]
    text = repr(table).splitlines()
    assert text[0].split() == list(table.COLUMNS) and text[2].split()[:4] == ["jax", "yes"] + \
        [table[1]["version"], "no"]
    html = table._repr_html_()
    assert html.startswith("<table>") and html.count("<tr>") == 6
    assert "<td>jax</td>" in html


def test_backend_imports_nothing_and_follows_keras_rules(no_keras, monkeypatch):
    assert kswitch.backend() == "tensorflow"
    no_keras.mkdir()
    (no_keras / "keras.json").write_text('{"backend": "jax"}')
    assert kswitch.backend() == "jax"
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert kswitch.backend() == "torch"
    monkeypatch.setenv("KERAS_BACKEND", "Torch")
    with pytest.raises(kswitch.ConfigError, match="KERAS_BACKEND is \"Torch\""):
        kswitch.backend()


@pytest.mark.parametrize("call, error, message", [
    (lambda: kswitch.use_backend("Jax"), kswitch.UnknownBackendError,
     "`backend` must be a Keras backend name."),
    (lambda: kswitch.use_backend("theano"), kswitch.BackendElsewhereError,
     "The \"theano\" backend needs multi-backend Keras 2.3.1"),
    (lambda: kswitch.use_backend(None), kswitch.UnknownBackendError,
     "`backend` must be a Keras backend name."),
    (lambda: kswitch.use_backend("jax", persist="yes"), kswitch.InvalidArgumentError,
     "`persist` must be True or False."),
    (lambda: kswitch.backend_scope("pytorch"), kswitch.UnknownBackendError,
     "`backend` must be a Keras backend name."),
    (lambda: kswitch.backend_scope("jax", floatx="float8").__enter__(),
     kswitch.InvalidArgumentError, "`floatx` must be"),
    (lambda: kswitch.carry_model("a model", "jax"), kswitch.InvalidArgumentError,
     "`model` must be a Keras model made in this session."),
    (lambda: kswitch.carry_model(None, "Jax"), kswitch.UnknownBackendError,
     "`to` must be a Keras backend name."),
])
def test_bad_input_changes_nothing(no_keras, call, error, message):
    no_keras.mkdir()
    (no_keras / "keras.json").write_text('{"backend": "torch", "nnx_enabled": true}\n')
    before = os.environ.get("KERAS_BACKEND")
    with pytest.raises(error) as raised:
        call()
    assert registry.SESSION["kind"] == "python"  # outside R: the fixes say pip
    # The message R shows, word for word: the first line; the bullets follow it.
    assert str(raised.value).startswith(message)
    assert str(raised.value).splitlines()[0] == raised.value.to_dict()["message"]
    assert (no_keras / "keras.json").read_text() == '{"backend": "torch", "nnx_enabled": true}\n'
    assert os.environ.get("KERAS_BACKEND") == before and kswitch.backend() == "torch"


def test_switch_scope_objects_and_carry_through_the_public_api(tmp_path):
    """tensorflow -> jax and back, as a script does it: one ``import keras`` at the top."""
    out = run_fresh("""
        import json, os
        import numpy as np
        import keras
        from keras import layers, ops
        import kswitch

        x, y = np.random.rand(32, 4).astype("float32"), np.random.rand(32, 1).astype("float32")
        def model():
            m = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(1)])
            m.compile(optimizer="adam", loss="mse")
            m.fit(x, y, epochs=1, verbose=0)
            return m

        keras.config.set_epsilon(1e-5)
        tf_model = model()
        before = tf_model.predict(x, verbose=0)
        path = os.path.join(os.environ["KERAS_HOME"], "keras.json")
        file = open(path).read()
        out = {}

        kswitch.use_backend("jax")
        out["names"] = [keras.config.backend(), layers.Dense.__module__.split(".")[0],
                        type(ops.ones(1)).__module__.split(".")[0]]
        out["kept"] = [keras.config.epsilon(), open(path).read() == file,
                       os.environ["KERAS_BACKEND"]]
        jax_model = model()
        out["tf_model_on_jax"] = [bool(np.allclose(tf_model.predict(x, verbose=0), before)),
                                  tf_model.fit(x, y, epochs=1, verbose=0) is not None,
                                  kswitch.backend()]
        tf_model.save(os.path.join(os.environ["KERAS_HOME"], "tf.keras"))
        try:
            jax_model.compile(optimizer=tf_model.optimizer, loss="mse")
        except kswitch.WrongBackendError as e:
            out["wrong"] = str(e).splitlines()[0]

        with kswitch.backend_scope("tensorflow", floatx="float64"):
            out["scope"] = [keras.config.backend(), keras.config.floatx(),
                            keras.Sequential([keras.Input((2,)), layers.Dense(1)]).dtype]

        @kswitch.backend_scope("tensorflow")
        def on_tf():
            return keras.config.backend()

        out["decorated"] = on_tf()
        try:
            with kswitch.backend_scope("tensorflow"):
                raise KeyError("boom")
        except KeyError:
            pass
        out["after"] = [keras.config.backend(), keras.config.floatx(), kswitch.backend()]

        carried = kswitch.carry_model(tf_model, "jax")
        out["carried"] = [carried.__class__.__module__.split(".")[0], keras.config.backend(),
                          bool(np.allclose(carried.predict(x, verbose=0),
                                           tf_model.predict(x, verbose=0), atol=1e-5))]
        kswitch.use_backend("tensorflow", persist=True)
        out["persisted"] = [json.load(open(path))["backend"], keras.config.backend(),
                            keras.config.epsilon()]
        out["table"] = [(r["backend"], r["active"], r["loaded"]) for r in kswitch.backends()
                        if r["loaded"]]
        print(json.dumps(out))
    """, tmp_path)
    out = json.loads(out)
    assert out["names"] == ["jax", "keras", "jaxlib"]
    assert out["kept"] == [1e-5, True, "jax"]
    assert out["tf_model_on_jax"] == [True, True, "jax"]
    assert out["wrong"].startswith("The Sequential") and "(made on \"tensorflow\")" in out["wrong"]
    assert out["scope"] == ["tensorflow", "float64", "float64"]
    assert out["decorated"] == "tensorflow"
    assert out["after"] == ["jax", "float32", "jax"]
    assert out["carried"] == ["keras", "jax", True]
    assert out["persisted"] == ["tensorflow", "tensorflow", 1e-5]
    assert out["table"] == [["tensorflow", True, True], ["jax", False, True]]


def test_a_failed_switch_leaves_the_session_and_names_as_they_were(tmp_path):
    # A backend whose library is found but fails at import (a broken jax on the path).
    broken = tmp_path / "broken"
    (broken / "jax").mkdir(parents=True)
    (broken / "jax" / "__init__.py").write_text("raise ImportError('jax is broken here')\n")
    out = run_fresh("""
        import json
        import keras
        import kswitch
        tree = keras
        try:
            kswitch.use_backend("jax")
        except kswitch.SwitchFailedError as e:
            error = str(e).splitlines()[0]
        print(json.dumps([error, keras is tree, keras.config.backend(), kswitch.backend()]))
    """, tmp_path, extra_path=[str(broken)])
    assert json.loads(out) == [
        "Switching to \"jax\" failed; the session is still on \"tensorflow\", unchanged.",
        True, "tensorflow", "tensorflow"]



def test_the_site_article_documents_every_public_name():
    article = os.path.join(ROOT, "vignettes", "articles", "python.Rmd")
    if not os.path.exists(article):
        pytest.skip("the site's articles are not beside inst/python")
    with open(article) as f:
        text = f.read()
    for name in kswitch.__all__:
        if name != "BackendTable":
            assert "`{}".format(name) in text or "kswitch.{}".format(name) in text, name


def test_scopes_restore_on_failure_nest_and_leave_keras_unimported(tmp_path):
    """The R scope tests' cases, through backend_scope: a failing block, nested scopes, and a
    scope in a process that had not imported Keras."""
    home = tmp_path / "kh"
    home.mkdir()
    (home / "keras.json").write_text('{"backend": "jax", "epsilon": 0.001, "mine": true}')
    out = run_fresh("""
        import json, os, sys
        import kswitch
        path = os.path.join(os.environ["KERAS_HOME"], "keras.json")
        file = open(path).read()
        out = {}
        with kswitch.backend_scope("torch", epsilon=0.5):
            import keras
            out["inside"] = [keras.config.backend(), keras.config.epsilon()]
        out["after"] = ["keras" in sys.modules, os.environ.get("KERAS_BACKEND"),
                        kswitch.backend()]
        import keras  # now on the file's backend, with the file's settings
        out["first_use"] = [keras.config.backend(), keras.config.epsilon()]
        try:
            with kswitch.backend_scope("tensorflow"):
                keras.config.set_epsilon(0.5)
                raise RuntimeError("inside the scope")
        except RuntimeError:
            pass
        out["failed"] = [keras.config.backend(), keras.config.epsilon()]
        with kswitch.backend_scope("tensorflow"):
            with kswitch.backend_scope("torch", epsilon=0.25):
                inner = [keras.config.backend(), keras.config.epsilon()]
            out["nested"] = inner + [keras.config.backend(), keras.config.epsilon()]
        out["end"] = [keras.config.backend(), keras.config.epsilon(), open(path).read() == file,
                      os.environ.get("KERAS_BACKEND")]
        print(json.dumps(out))
    """, tmp_path, env_overrides={"KERAS_HOME": str(home)})
    out = json.loads(out)
    assert out["inside"] == ["torch", 0.5]
    assert out["after"] == [False, "", "jax"]  # as it was (run_fresh sets it empty)
    assert out["first_use"] == ["jax", 0.001]
    assert out["failed"] == ["jax", 0.001]
    assert out["nested"] == ["torch", 0.25, "tensorflow", 0.001]
    assert out["end"] == ["jax", 0.001, True, ""]
