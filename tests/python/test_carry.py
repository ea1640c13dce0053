"""carry_model(): a model moved to another backend of the same Python, each test in a fresh
Python (Keras's import state is process-wide), with real Keras on real backends."""

import json

from conftest import run_fresh as run

# A model trained on jax, and what the tests compare against; `state()` is what a failed carry
# must leave unchanged (a backend it imported stays parked, as after a failed switch).
TRAINED_ON_JAX = """
    import json, os, sys
    import numpy as np
    from kswitch import api, switch
    api.use_backend("jax", persist=False)
    keras = api.keras_module()
    rng = np.random.default_rng(1)
    x = rng.random((64, 6)).astype("float32")
    y = rng.random((64, 2)).astype("float32")
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, activation="relu"),
                              keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    expected = model.predict(x, verbose=0)
    tmp = os.environ["KERAS_HOME"] + "-carry"
    os.makedirs(tmp)

    def state():
        return (api.backend(), os.environ.get("KERAS_BACKEND"), id(sys.modules["keras"]),
                os.listdir(tmp))
"""


def test_a_model_trained_on_jax_predicts_and_trains_on_tensorflow_and_torch(tmp_path):
    out = run(TRAINED_ON_JAX + """
    report = {}
    for to in ("tensorflow", "torch"):
        result = api.carry_model(model, to, tmpdir=tmp)
        carried = result["model"]
        before = int(carried.optimizer.iterations)
        diff = float(np.abs(carried.predict(x, verbose=0) - expected).max())
        carried.fit(x, y, epochs=1, batch_size=16, verbose=0)
        report[to] = dict(
            {k: result[k] for k in ("previous", "source", "backend", "first_import")},
            session=api.backend(), env=os.environ.get("KERAS_BACKEND"), diff=diff,
            iterations=[before, int(carried.optimizer.iterations)],
            jit=carried.jit_compile, left=os.listdir(tmp),
            own_tree=isinstance(carried, api.keras_module().Model))
    api.use_backend("jax", persist=False)  # the original, back on its own backend
    report["jax"] = float(np.abs(model.predict(x, verbose=0) - expected).max())
    print(json.dumps(report))
    """, tmp_path)
    report = json.loads(out)
    for to, previous in (("tensorflow", "jax"), ("torch", "tensorflow")):
        r = report[to]
        assert r["previous"] == previous and r["source"] == "jax" and r["backend"] == to
        assert r["first_import"] is True
        assert r["session"] == to and r["env"] == to  # the session is left on `to`
        assert r["diff"] < 1e-5, to  # float32 tolerance
        assert r["iterations"] == [12, 16], to  # the optimizer's state came along
        assert r["jit"] is False, to  # jax's default jit_compile is not forced on them
        assert r["left"] == [] and r["own_tree"] is True
    assert report["jax"] == 0.0


def test_a_tensorflow_carry_exports_a_saved_model_tensorflow_runs(tmp_path):
    out = run(TRAINED_ON_JAX + """
    carried = api.carry_model(model, "tensorflow", tmpdir=tmp)["model"]
    export = os.path.join(tmp, "exported")
    import inspect
    quiet = {"verbose": False} if "verbose" in inspect.signature(carried.export).parameters \
        else {}  # Keras 3.5 has no `verbose`
    carried.export(export, format="tf_saved_model", **quiet)
    import tensorflow as tf
    reloaded = tf.saved_model.load(export)
    served = reloaded.serve(tf.constant(x)).numpy()
    print(float(np.abs(served - expected).max()))
    """, tmp_path)
    assert float(out) < 1e-5


CUSTOM = """
    def define(keras):
        @keras.saving.register_keras_serializable(package="mine")
        class Scale(keras.layers.Layer):
            def __init__(self, factor=2.0, **kwargs):
                super().__init__(**kwargs)
                self.factor = factor

            def call(self, x):
                return x * self.factor

            def get_config(self):
                return dict(super().get_config(), factor=self.factor)
        return Scale

    Scale = define(keras)
    custom = keras.Sequential([keras.Input((6,)), keras.layers.Dense(2), Scale(3.0)])
    want = custom.predict(x, verbose=0)
"""


def test_a_registered_custom_layer_carries_once_registered_on_the_target(tmp_path):
    out = run(TRAINED_ON_JAX + CUSTOM + """
    before = state()
    failed = api.r_call("carry_model", custom, "torch", tmpdir=tmp)["error"]
    unchanged = state() == before
    api.use_backend("torch", persist=False)
    define(api.keras_module())  # the user runs the definition again on the target
    carried = api.carry_model(custom, "torch", tmpdir=tmp)["model"]
    print(json.dumps({"failed": failed, "unchanged": unchanged,
                      "layer": type(carried.layers[-1]).__name__,
                      "diff": float(np.abs(carried.predict(x, verbose=0) - want).max())}))
    """, tmp_path)
    report = json.loads(out)
    failed = report["failed"]
    assert failed["classes"][:2] == ["kswitch_error_not_serializable",
                                     "kswitch_error_carry_failed"]
    assert failed["value"] == "mine>Scale" and '"torch"' in failed["message"]
    assert "register_keras_serializable" in str(failed["bullets"])
    assert report["unchanged"] is True
    assert report["layer"] == "Scale" and report["diff"] < 1e-5


def test_a_layer_keras_cannot_save_is_named_and_nothing_changes(tmp_path):
    out = run(TRAINED_ON_JAX + """
    class Holder(keras.layers.Layer):
        def __init__(self, thing, **kwargs):
            super().__init__(**kwargs)
            self.thing = thing

        def call(self, x):
            return x

    bad = keras.Sequential([keras.Input((6,)), Holder(object(), name="holder")])
    api.use_backend("tensorflow", persist=False)
    before = state()
    error = api.r_call("carry_model", bad, "torch", tmpdir=tmp)["error"]
    print(json.dumps([error, state() == before]))
    """, tmp_path)
    error, unchanged = json.loads(out)
    assert error["classes"][0] == "kswitch_error_not_serializable"
    assert '"holder"' in error["message"] and "Holder" in error["message"]
    assert "get_config()" in str(error["bullets"])
    assert unchanged is True  # also: back on tensorflow, not on the model's jax


def test_bad_inputs_are_classed_errors_and_change_nothing(tmp_path):
    out = run(TRAINED_ON_JAX + """
    class Hide:  # the import system finds no openvino: not installed, as far as Python knows
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "openvino":
                raise ModuleNotFoundError(name)
            return None

    sys.meta_path.insert(0, Hide())
    cases = {"not a model": (np.ones(3), "tensorflow"),
             "a layer": (model.layers[0], "tensorflow"),
             "not built": (keras.Sequential([keras.layers.Dense(2)]), "tensorflow"),
             "unknown": (model, "Torch"), "uninstalled": (model, "openvino"),
             "other Keras": (model, "theano")}
    before = state(), sorted(switch._trees.parked)  # checked before anything is imported
    errors = {}
    for case, (m, to) in cases.items():
        error = api.r_call("carry_model", m, to, tmpdir=tmp)["error"]
        errors[case] = [error["classes"][0], error["argument"],
                        (state(), sorted(switch._trees.parked)) == before]
    print(json.dumps(errors))
    """, tmp_path)
    assert json.loads(out) == {
        "not a model": ["kswitch_error_invalid_argument", "model", True],
        "a layer": ["kswitch_error_invalid_argument", "model", True],
        "not built": ["kswitch_error_model_not_built", "model", True],
        "unknown": ["kswitch_error_backend_unknown", "to", True],
        "uninstalled": ["kswitch_error_backend_unavailable", "to", True],
        "other Keras": ["kswitch_error_backend_elsewhere", "to", True],
    }


def test_keras_2_3_1_carries_between_theano_tensorflow_and_cntk(tmp_path, legacy_python):
    code = """
    import json, os, sys
    import numpy as np
    from kswitch import api
    api.use_backend("theano", persist=False)
    keras = api.keras_module()
    x = np.random.RandomState(1).rand(32, 4).astype("float32")
    y = np.random.RandomState(2).rand(32, 2).astype("float32")
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(4,))])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    expected = model.predict(x)

    class Mine(keras.layers.Layer):
        def call(self, x):
            return x

    custom = keras.Sequential([keras.layers.Dense(2, input_shape=(4,)), Mine()])
    tmp = os.environ["KERAS_HOME"] + "-carry"
    os.makedirs(tmp)
    report = {}
    for to in ("tensorflow", "cntk"):
        carried = api.carry_model(model, to, tmpdir=tmp)["model"]
        diff = float(np.abs(carried.predict(x) - expected).max())
        carried.fit(x, y, epochs=1, batch_size=16, verbose=0)  # 2 more steps
        report[to] = [api.backend(), diff,
                      int(api.keras_module().backend.get_value(carried.optimizer.iterations))]
    errors = [api.r_call("carry_model", m, to, tmpdir=tmp)["error"]
              for m, to in ((model, "jax"), (custom, "theano"))]
    report["errors"] = [[e["classes"][0], e["value"]] for e in errors]
    report["after"] = [api.backend(), os.listdir(tmp)]
    print(json.dumps(report))
    """
    report = json.loads(run(code, tmp_path, python=legacy_python, env_overrides={
        "THEANO_FLAGS": "base_compiledir=" + str(tmp_path / "theano")}))
    for to in ("tensorflow", "cntk"):
        assert report[to][0] == to and report[to][1] < 1e-5 and report[to][2] == 6, report
    assert report["errors"] == [["kswitch_error_backend_elsewhere", "jax"],
                                ["kswitch_error_not_serializable", "Mine"]]
    assert report["after"] == ["cntk", []]

