"""keras_compat: every Keras internal kswitch reads, simulated moved, gives its warning and its
safe fallback (real Keras, in fresh Pythons: the tables are read when a tree is prepared)."""

import json
from importlib import metadata

import pytest
from conftest import run_fresh
from kswitch import keras_compat

KERAS = tuple(int(p) for p in metadata.version("keras").split(".")[:2])

# Each entry of the tables, as the moved copy names it (the internal module renamed away).
ENTRIES = [("BASES", i) for i in range(len(keras_compat.BASES[3]))] + \
          [("FUNCTIONS", i) for i in range(len(keras_compat.FUNCTIONS[3]))]

MOVE_ALL = """
    import json, warnings
    import numpy as np
    from kswitch import api, keras_compat, objects
    for table in (keras_compat.BASES, keras_compat.FUNCTIONS):
        table[3] = tuple(e._replace(module="keras.src.kswitch_moved") for e in table[3])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        api.use_backend("jax", persist=False)
        keras = api.keras_module()
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.ones((4, 3)), np.ones((4, 1)), epochs=1, verbose=0)
        x = np.ones((2, 3))
        before = model.predict(x, verbose=0)
        api.use_backend("numpy", persist=False)
        after = model.predict(x, verbose=0)  # on numpy: still the jax Keras's
        model.fit(x, np.ones((2, 1)), epochs=1, verbose=0)
        on = api.backend()
    marked = {"KerasSaveable": model, "Callback": keras.callbacks.History(),
              "KerasTensor": keras.Input((3,)), "Variable": model.weights[0]}
    wrapped = {e.name: [hasattr(keras_compat._public(keras, p, object),
                                "__kswitch_wrapped__") for p in e.public]
               for e in keras_compat.FUNCTIONS[3]}
    print(json.dumps({
        "warnings": [str(w.message) for w in caught
                     if issubclass(w.category, keras_compat.KerasChangedWarning)],
        "version": keras.__version__, "same": bool(np.allclose(before, after)), "on": on,
        "marked": {k: objects.tree_of(v) is keras for k, v in marked.items()},
        "wrapped": wrapped}))
"""


# The stand-ins are for releases after the checked ones; in old ones some public names are
# other classes (Keras 3.5's `keras.Variable` makes variables of another class).
@pytest.mark.skipif(KERAS < (3, 10), reason="the public stand-ins are checked on Keras >= 3.10")
def test_every_moved_internal_warns_once_and_its_public_stand_in_keeps_objects_safe(tmp_path):
    out = json.loads(run_fresh(MOVE_ALL, tmp_path))
    assert out["on"] == "numpy" and out["same"]  # a jax model fits and predicts on numpy
    assert len(out["warnings"]) == len(ENTRIES)  # each once (two trees were prepared)
    for table, i in ENTRIES:
        entry = getattr(keras_compat, table)[3][i]
        said = [w for w in out["warnings"] if "kswitch_moved.{}`".format(entry.name) in w]
        assert len(said) == 1, entry
        assert "Keras {} no longer has".format(out["version"]) in said[0]
        assert "objects still run on their own backend" in said[0]
        for public in entry.public:
            assert "`keras.{}`".format(public) in said[0]
    assert all(out["marked"].values()), out["marked"]
    assert all(all(w) for w in out["wrapped"].values()), out["wrapped"]


LOSE_ONE = """
    import json, warnings
    from kswitch import api, keras_compat, objects
    from kswitch.errors import WrongBackendError
    bases = keras_compat.BASES[3]
    keras_compat.BASES[3] = (bases[0]._replace(module="keras.src.kswitch_moved", public=()),) \\
        + bases[1:]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        api.use_backend("jax", persist=False)
        keras = api.keras_module()
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        try:
            api.use_backend("numpy", persist=False)
            refused = None
        except WrongBackendError as e:
            refused = e.to_dict()
    print(json.dumps({"refused": refused, "on": api.backend(),
                      "keras_on": api.keras_module().config.backend(),
                      "warnings": [str(w.message) for w in caught]}))
"""


def test_an_internal_without_a_stand_in_refuses_the_switch_away_and_changes_nothing(tmp_path):
    out = json.loads(run_fresh(LOSE_ONE, tmp_path))
    assert out["refused"]["classes"][0] == "kswitch_error_wrong_backend"
    assert "would leave objects made on \"jax\" unprotected" in out["refused"]["message"]
    assert "keras.src.kswitch_moved.KerasSaveable" in out["refused"]["bullets"][0][1]
    assert out["on"] == "jax" and out["keras_on"] == "jax"
    assert any("cannot be kept on their own backend" in w for w in out["warnings"])
    assert out["refused"]["bullets"][1][1] == \
        "Switch in a new session, or use {}.".format(keras_compat.CHECKED[3])


def test_keras_2_3_1_without_an_internal_refuses_and_names_keras_2_3_1(tmp_path, legacy_python):
    # The fix names the releases checked for this tree's generation, not Keras 3's.
    out = json.loads(run_fresh("""
        import json, warnings
        from kswitch import api, keras_compat
        from kswitch.errors import WrongBackendError
        bases = keras_compat.BASES[2]
        keras_compat.BASES[2] = (bases[0]._replace(module="keras.kswitch_moved"),) + bases[1:]
        warnings.simplefilter("ignore")
        api.use_backend("theano", persist=False)
        api.keras_module()
        try:
            api.use_backend("tensorflow", persist=False)
            refused = None
        except WrongBackendError as e:
            refused = e.to_dict()
        print(json.dumps({"refused": refused, "on": api.backend()}))
    """, tmp_path, python=legacy_python))
    assert out["refused"]["classes"][0] == "kswitch_error_wrong_backend"
    assert "keras.kswitch_moved.Layer" in out["refused"]["bullets"][0][1]
    assert out["refused"]["bullets"][1][1] == "Switch in a new session, or use Keras 2.3.1."
    assert out["on"] == "theano"


NONE_MOVED = """
    import json, warnings
    from kswitch import api, keras_compat
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        api.use_backend("jax", persist=False)
        keras = api.keras_module()
    moved = [str(w.message) for w in caught
             if issubclass(w.category, keras_compat.KerasChangedWarning)]
    print(json.dumps({"version": keras.__version__, "moved": moved}))
"""


def test_every_entry_is_where_kswitch_takes_it_in_this_keras(tmp_path):
    # The supported releases' check: make test-python-oldest runs this on the oldest.
    out = json.loads(run_fresh(NONE_MOVED, tmp_path))
    assert out["moved"] == [], out
