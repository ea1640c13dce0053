import pytest
from kswitch import backends
from kswitch.errors import (
    BackendElsewhereError,
    BackendUnavailableError,
    InvalidArgumentError,
    UnknownBackendError,
)


def test_registry_is_keras3s_names():
    assert backends.NAMES == ("tensorflow", "jax", "torch", "numpy", "openvino")
    assert [b.trainable for b in backends.KERAS3] == [True, True, True, False, False]


@pytest.mark.parametrize("name, hint", [("Jax", 'Did you mean "jax"'),
                                        ("tensorflw", 'Did you mean "tensorflow"'),
                                        ("Theano", 'Did you mean "theano"'),
                                        ("os", None), ("", None)])
def test_unknown_names_are_rejected(name, hint):
    with pytest.raises(UnknownBackendError) as e:
        backends.get_backend(name)
    assert isinstance(e.value, InvalidArgumentError)
    assert e.value.r_classes() == ["kswitch_error_backend_unknown",
                                   "kswitch_error_invalid_argument", "kswitch_error"]
    assert (hint in str(e.value)) if hint else "Did you mean" not in str(e.value)


def test_installed_and_version_without_importing():
    import sys
    numpy = backends.get_backend("numpy")
    assert backends.is_installed(numpy)
    assert backends.distribution_version(numpy.distributions)
    missing = numpy._replace(name="nothing", modules=("numpy", "kswitch_no_such_module"),
                             distributions=("kswitch-no-such-dist",))
    assert not backends.is_installed(missing)
    assert backends.distribution_version(missing.distributions) is None
    assert backends.missing_modules(missing) == ["kswitch_no_such_module"]
    with pytest.raises(BackendUnavailableError, match="install_backends") as e:
        backends.require_installed(missing)
    assert '"kswitch_no_such_module"' in str(e.value) and '"numpy"' not in e.value.problem
    assert "kswitch_no_such_module" not in sys.modules


def test_install_requirements_ask_pip_once_per_package():
    from kswitch import install
    reqs = install.requirements(["jax", "numpy", "jax"], numpy_below_2=True)
    assert reqs == ["keras", "numpy<2", "jax", "scipy"]


def test_generations_one_rule():
    assert backends.generation("2.3.1") == 2 and backends.generation("3.15.1") == 3
    assert backends.generation(None) is None
    assert backends.LEGACY_ONLY == ("theano", "cntk")
    assert [backends.generation_of(n) for n in ("tensorflow", "jax", "theano", "cntk", "x")] \
        == [3, 3, 2, 2, None]
    assert backends.get_backend("tensorflow", gen=2).requirements == ("tensorflow==1.14.0",)
    assert backends.get_backend("tensorflow", gen=3).generation == 3


@pytest.mark.parametrize("name, gen, needs", [("theano", 3, "Keras 2.3.1"),
                                                ("cntk", 3, "Keras 2.3.1"),
                                                ("jax", 2, "Keras 3")])
def test_other_generations_backend_says_how_to_get_it(name, gen, needs):
    with pytest.raises(BackendElsewhereError) as e:
        backends.get_backend(name, gen=gen)
    assert e.value.r_classes() == ["kswitch_error_backend_elsewhere",
                                   "kswitch_error_backend_unavailable", "kswitch_error"]
    text = str(e.value)
    assert needs in text and 'use_backend("{}")'.format(name) in text
    assert "new R session" in text and "callr" in text
    assert 'install_backends("{}")'.format(name) in text


def test_install_routes_legacy_names_to_their_environment():
    from kswitch import install
    keras3, legacy = install.split_names(["jax", "theano", "keras2-tensorflow", "cntk"])
    assert keras3 == ["jax"] and [b.name for b in legacy] == ["theano", "tensorflow", "cntk"]
    with pytest.raises(UnknownBackendError):
        install.split_names(["keras2-jax"])


def test_managed_requirements_are_keras3s_strings_without_what_is_declared():
    from kswitch import backends
    assert backends.managed_requirements("jax", "Linux") == ["keras", "tensorflow-cpu", "jax[cpu]"]
    declared = ("keras", "tensorflow-cpu", "jax[cpu]")
    assert backends.managed_requirements("jax", "Linux", declared=declared) == []
    # A bare name already declared with other extras or versions is not asked again.
    assert backends.managed_requirements("numpy", "Linux", declared=("jax", "Keras>=3")) == [
        "tensorflow-cpu", "numpy"]
    assert "torch" in backends.managed_requirements("torch", "Darwin")
    assert backends.bare_name("jax[cuda12]!=0.6.1") == "jax"


def test_managed_request_refuses_an_unknown_or_legacy_backend():
    from kswitch import api
    assert api.r_call("managed_request", "Jax")["error"]["classes"][0] == \
        "kswitch_error_backend_unknown"
    assert api.r_call("managed_request", "theano")["error"]["classes"][0] == \
        "kswitch_error_backend_elsewhere"
    error = api.r_call("managed_request_failed", "jax", ["jax[cpu]"], "uv: offline")["error"]
    assert error["classes"][0] == "kswitch_error_backend_unavailable"
    assert "jax[cpu]" in error["bullets"][0][1] and "uv: offline" in error["bullets"][0][1]


@pytest.mark.parametrize("kind, says", [
    ("managed", 'reticulate::py_require(c("keras", "tensorflow-cpu", "jax[cpu]"))'),
    ("kswitch", 'kswitch::install_backends("jax")'),
    ("RETICULATE_PYTHON", 'reticulate::py_install(c("jax"))'),
    ("other", 'reticulate::py_install(c("jax"))'),
])
def test_not_installed_fix_depends_on_the_kind_of_python(monkeypatch, kind, says):
    monkeypatch.setattr(backends, "python_kind", kind)
    missing = backends.REGISTRY["jax"]._replace(modules=("kswitch_no_such_module",))
    with pytest.raises(BackendUnavailableError) as e:
        backends.require_installed(missing)
    assert says in e.value.fix
    if kind != "kswitch":
        assert ("install_backends" in e.value.fix) == (kind != "managed")
