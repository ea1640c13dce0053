"""objects.py: an object made on one backend runs on its own Keras tree whatever tree is
active, and objects of two trees are never combined (real Keras, each backend's tree)."""

import importlib
import os
import sys

import numpy as np
import pytest
from conftest import run_fresh
from kswitch import api, registry, switch
from kswitch.errors import WrongBackendError


def needs(*names):
    for name in names:
        if not registry.is_installed(registry.get_backend(name)):
            pytest.skip("the {} backend is not installed in this Python".format(name))


def model_on(keras):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


X = np.random.RandomState(0).rand(16, 4).astype("float32")
Y = np.random.RandomState(1).rand(16, 1).astype("float32")


@pytest.mark.parametrize("own,other", [("jax", "tensorflow"), ("jax", "torch"),
                                       ("tensorflow", "jax"), ("torch", "jax")])
def test_every_entry_point_runs_on_the_objects_own_backend(own, other, tmp_path, keras_home):
    needs(own, other)
    api.use_backend(own, persist=False)
    keras = switch.keras_module()
    model = model_on(keras)
    model.fit(X, Y, epochs=1, verbose=0)
    before = model.predict(X, verbose=0)
    api.use_backend(other, persist=False)
    session = switch.keras_module()
    assert np.allclose(model.predict(X, verbose=0), before)
    model.fit(X, Y, epochs=1, verbose=0)
    model.evaluate(X, Y, verbose=0)
    model.train_on_batch(X, Y)
    model.test_on_batch(X, Y)
    model.predict_on_batch(X)
    assert tuple(model(X[:2]).shape) == (2, 1)
    assert tuple(model.layers[0](X[:2]).shape) == (2, 2)
    model.set_weights(model.get_weights())
    model.save(str(tmp_path / "a.keras"))
    model.save_weights(str(tmp_path / "a.weights.h5"))
    model.load_weights(str(tmp_path / "a.weights.h5"))
    session.saving.save_model(model, str(tmp_path / "b.keras"))  # keras3's save_model()
    session.Model.save_weights(model, str(tmp_path / "b.weights.h5"))  # and save_model_weights()
    model.summary(print_fn=lambda *a, **k: None)
    assert switch.active_backend() == other and sys.modules["keras"] is session
    assert os.environ["KERAS_BACKEND"] == other
    api.use_backend(own, persist=False)  # still whole on its own backend
    model.fit(X, Y, epochs=1, verbose=0)
    assert np.isfinite(model.predict(X, verbose=0)).all()


def test_an_object_made_in_a_scope_works_after_it(keras_home):
    needs("jax", "tensorflow")
    api.use_backend("tensorflow", persist=False)
    state = api.begin_scope("jax")
    keras = switch.keras_module()
    model = model_on(keras)
    api.end_scope(state)
    out = model.predict(X, verbose=0)
    assert switch.active_backend() == "tensorflow"
    state = api.begin_scope("jax")
    assert np.allclose(model.predict(X, verbose=0), out)
    api.end_scope(state)


def test_a_failing_call_on_another_backend_puts_the_session_back(keras_home):
    needs("jax", "tensorflow")
    api.use_backend("jax", persist=False)
    model = model_on(switch.keras_module())
    api.use_backend("tensorflow", persist=False)
    session = sys.modules["keras"]
    with pytest.raises(ValueError):
        model.fit(X, Y[:3], verbose=0)  # x and y of different lengths
    assert sys.modules["keras"] is session
    assert model.predict(X, verbose=0).shape == (16, 1)


@pytest.mark.parametrize("part", ["optimizer", "loss", "metric", "layer", "tensor"])
def test_mixing_two_backends_is_refused_and_nothing_is_damaged(part, keras_home):
    needs("jax", "tensorflow")
    api.use_backend("tensorflow", persist=False)
    tf = switch.keras_module()
    made = {"optimizer": tf.optimizers.SGD(), "loss": tf.losses.MeanSquaredError(),
            "metric": tf.metrics.MeanAbsoluteError(), "layer": tf.layers.Dense(1),
            "tensor": tf.Input((4,))}[part]
    api.use_backend("jax", persist=False)
    jax = switch.keras_module()
    model = model_on(jax)
    with pytest.raises(WrongBackendError) as caught:
        if part == "optimizer":
            model.compile(optimizer=made, loss="mse")
        elif part == "loss":
            model.compile(optimizer="sgd", loss=made)
        elif part == "metric":
            model.compile(optimizer="sgd", loss="mse", metrics=[made])
        elif part == "layer":
            model.add(made)
        else:
            jax.layers.Dense(1)(made)
    assert '(made on "tensorflow")' in str(caught.value) and caught.value.value == "tensorflow"
    model.fit(X, Y, epochs=1, verbose=0)  # the model is whole
    assert len(model.layers) == 2
    api.use_backend("tensorflow", persist=False)  # and so is the other object
    other = tf.Sequential([tf.Input((4,)), tf.layers.Dense(1)])
    if part in ("optimizer", "loss"):
        other.compile(optimizer=made if part == "optimizer" else "sgd",
                      loss=made if part == "loss" else "mse")
        other.fit(X, Y, epochs=1, verbose=0)
    elif part == "metric":
        other.compile(optimizer="sgd", loss="mse", metrics=[made])
        other.fit(X, Y, epochs=1, verbose=0)
    elif part == "layer":
        other.add(made)
        other.predict(X, verbose=0)
    else:
        tf.Model(made, tf.layers.Dense(1)(made)).predict(X, verbose=0)


def test_the_active_tree_is_tracked_not_scanned(keras_home):
    needs("jax", "tensorflow")
    api.use_backend("jax", persist=False)
    model_on(switch.keras_module()).fit(X, Y, epochs=1, verbose=0)
    api.use_backend("tensorflow", persist=False)
    model_on(switch.keras_module()).fit(X, Y, epochs=1, verbose=0)
    scanned = {n for n in sys.modules if n.startswith("keras")}
    assert set(switch._trees.active_modules()) == scanned
    api.use_backend("jax", persist=False)
    assert set(switch._trees.active_modules()) == {n for n in sys.modules if n.startswith("keras")}


def test_a_tree_that_grew_during_a_call_is_swapped_out_whole(keras_home):
    # A swap's name difference is reused while both trees keep their sizes (Trees.swaps): a
    # module imported into the object's tree during its call must still leave sys.modules.
    needs("jax", "tensorflow")
    api.use_backend("jax", persist=False)
    jax = switch.keras_module()
    api.use_backend("tensorflow", persist=False)
    tf = switch.keras_module()
    new = "keras.src.utils.code_stats"  # a module Keras itself never imports
    for _ in range(2):
        switch.run_on(jax, lambda: None)  # both swaps' differences reused
    before = {n for n in sys.modules if n.startswith("keras")}
    assert new not in before
    switch.run_on(jax, lambda: importlib.import_module(new))
    assert {n for n in sys.modules if n.startswith("keras")} == before
    assert sys.modules["keras"] is tf
    api.use_backend("jax", persist=False)
    assert new in sys.modules and sys.modules["keras"] is jax


def test_every_tree_keys_its_modules_with_sys_modules_own_strings(keras_home):
    needs("jax", "tensorflow")
    api.use_backend("jax", persist=False)
    model = model_on(switch.keras_module())
    api.use_backend("tensorflow", persist=False)  # a fresh import: new strings
    for backend in ("jax", "tensorflow", "jax"):  # a switch back, and a call on the other tree
        api.use_backend(backend, persist=False)
        model.predict(X, verbose=0)
        keys = {n: n for n in sys.modules}
        for tree in [switch._trees.active_modules()] + list(switch._trees.parked.values()):
            assert all(keys[n] is n for n in tree if n in keys)


def test_keras_2_3_1_objects_run_on_their_own_backend(tmp_path, legacy_python):
    out = run_fresh("""
        import numpy as np
        from kswitch import api, switch
        from kswitch.errors import WrongBackendError
        api.use_backend("theano", persist=False)
        k = switch.keras_module()
        m = k.models.Sequential([k.layers.Dense(2, input_shape=(4,)), k.layers.Dense(1)])
        m.compile(optimizer="sgd", loss="mse")
        x, y = np.random.rand(8, 4), np.random.rand(8, 1)
        m.fit(x, y, epochs=1, verbose=0)
        p = m.predict(x)
        api.use_backend("tensorflow", persist=False)
        same = np.allclose(m.predict(x), p)
        m.fit(x, y, epochs=1, verbose=0)
        try:
            m.compile(optimizer=switch.keras_module().optimizers.SGD(), loss="mse")
            mixed = "accepted"
        except WrongBackendError as e:
            mixed = e.value
        api.use_backend("cntk", persist=False)
        loss = m.evaluate(x, y, verbose=0)
        print(same, mixed, np.isfinite(loss), switch.active_backend())
    """, tmp_path, python=legacy_python)
    assert out == "True tensorflow True cntk"
