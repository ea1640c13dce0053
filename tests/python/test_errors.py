"""kswitch.errors: one R condition class per exception class, and the data R turns into one."""

import inspect
import json

import pytest
from kswitch import errors
from kswitch.errors import ConfigError, KswitchError, show

# Every class's R classes, most specific first, as R's tryCatch() and expect_error() see them.
R_CLASSES = {
    "KswitchError": ["kswitch_error"],
    "InvalidArgumentError": ["kswitch_error_invalid_argument", "kswitch_error"],
    "UnknownBackendError": ["kswitch_error_backend_unknown", "kswitch_error_invalid_argument",
                            "kswitch_error"],
    "ModelNotBuiltError": ["kswitch_error_model_not_built", "kswitch_error_invalid_argument",
                           "kswitch_error"],
    "BackendUnavailableError": ["kswitch_error_backend_unavailable", "kswitch_error"],
    "BackendElsewhereError": ["kswitch_error_backend_elsewhere",
                              "kswitch_error_backend_unavailable", "kswitch_error"],
    "NotSupportedError": ["kswitch_error_not_supported", "kswitch_error"],
    "SwitchFailedError": ["kswitch_error_switch_failed", "kswitch_error"],
    "CarryFailedError": ["kswitch_error_carry_failed", "kswitch_error"],
    "NotSerializableError": ["kswitch_error_not_serializable", "kswitch_error_carry_failed",
                             "kswitch_error"],
    "KerasUnavailableError": ["kswitch_error_keras_unavailable", "kswitch_error"],
    "ConfigError": ["kswitch_error_config", "kswitch_error"],
    "InstallError": ["kswitch_error_install", "kswitch_error"],
    "WrongBackendError": ["kswitch_error_wrong_backend", "kswitch_error_invalid_argument",
                          "kswitch_error"],
}
CLASSES = {name: cls for name, cls in inspect.getmembers(errors, inspect.isclass)
           if issubclass(cls, KswitchError)}


def test_every_error_class_is_in_the_table():
    assert sorted(CLASSES) == sorted(R_CLASSES)


@pytest.mark.parametrize("name", sorted(R_CLASSES))
def test_r_classes_follow_the_ancestry_most_specific_first(name):
    assert CLASSES[name]("m").r_classes() == R_CLASSES[name]


def test_each_class_maps_to_its_own_r_class():
    own = [cls.__dict__["r_class"] for cls in CLASSES.values()]
    assert len(set(own)) == len(own)


def test_a_subclass_without_an_r_class_adds_none_and_repeats_none():
    class Unclassed(ConfigError):
        pass

    assert Unclassed("m").r_classes() == ["kswitch_error_config", "kswitch_error"]


def test_python_callers_can_catch_a_bad_argument_as_a_value_error():
    with pytest.raises(ValueError):
        raise CLASSES["UnknownBackendError"]("m")
    assert "ValueError" not in CLASSES["UnknownBackendError"]("m").r_classes()


def test_to_dict_is_plain_data_with_every_field():
    e = ConfigError("keras.json is not valid JSON.", problem="Line 1.", valid="A JSON object.",
                    fix="Repair it.", argument="KERAS_HOME", value="/kh", path="/kh/keras.json")
    out = e.to_dict()
    assert out == {
        "classes": ["kswitch_error_config", "kswitch_error"],
        "message": "keras.json is not valid JSON.",
        "bullets": [["x", "Line 1."], ["i", "A JSON object."], ["i", "Repair it."]],
        "argument": "KERAS_HOME", "value": "/kh", "path": "/kh/keras.json",
    }
    assert json.loads(json.dumps(out)) == out  # crosses to R as it is


def test_to_dict_leaves_out_empty_bullets_and_keeps_their_order():
    out = KswitchError("m", problem="what went wrong", valid="", fix="the fix").to_dict()
    assert out["bullets"] == [["x", "what went wrong"], ["i", "the fix"]]
    out = KswitchError("m").to_dict()
    assert out["bullets"] == [] and out["argument"] is None and out["path"] is None


@pytest.mark.parametrize("value, sent", [("jax", "jax"), (0, 0), (1e-7, 1e-7), (False, False),
                                         (None, None), (["jax"], None), ({"a": 1}, None),
                                         (("jax",), None), (object, None)])
def test_to_dict_sends_only_a_scalar_value(value, sent):
    e = KswitchError("m", value=value)
    assert e.to_dict()["value"] == sent and type(e.to_dict()["value"]) is type(sent)
    assert e.value is value  # kept whole on the Python side


def test_str_is_the_message_then_each_bullet():
    e = KswitchError("Bad.", problem="Why.", fix="How.")
    assert str(e) == "Bad.\nWhy.\nHow."
    assert str(KswitchError("Bad.")) == "Bad."


@pytest.mark.parametrize("value, shown", [(None, "NULL"), ("jax", '"jax"'),
                                          ('say "hi"', '"say \\"hi\\""'), (True, "TRUE"),
                                          (False, "FALSE"), (1, "1"), (1e-07, "1e-07"),
                                          (["a"], "['a']")])
def test_show_writes_a_value_as_an_r_user_would_type_it(value, shown):
    assert show(value) == shown


def test_a_surfaced_error_carries_its_r_classes_as_reticulate_reads_them():
    # reticulate names an R condition after the exception's MRO: "module.name", or the bare
    # name where __module__ is empty.
    error = errors.WrongBackendError("m", problem="p", value="jax").surfaced()
    names = [c.__name__ if c.__module__ == "" else c.__module__ + "." + c.__name__
             for c in type(error).__mro__]
    assert names[1:4] == R_CLASSES["WrongBackendError"]
    assert isinstance(error, errors.WrongBackendError) and isinstance(error, ValueError)
    assert str(error) == "m\np" and error.value == "jax"
