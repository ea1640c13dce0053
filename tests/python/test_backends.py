import pytest
from kswitch import backends
from kswitch.errors import BackendUnavailableError, InvalidArgumentError, UnknownBackendError


def test_registry_is_keras3s_names():
    assert backends.NAMES == ("tensorflow", "jax", "torch", "numpy", "openvino")
    assert [b.trainable for b in backends.KERAS3] == [True, True, True, False, False]


@pytest.mark.parametrize("name, hint", [("Jax", 'Did you mean "jax"'),
                                        ("tensorflw", 'Did you mean "tensorflow"'),
                                        ("theano", None), ("os", None), ("", None)])
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


def test_backend_versions_names_the_argument():
    from kswitch import api
    versions = api.backend_versions("numpy")
    assert versions == {"backend": backends.distribution_version(("numpy",)),
                        "keras": backends.keras_version()}
    with pytest.raises(UnknownBackendError) as e:
        api.backend_versions("Torch", argument="backends")
    assert e.value.argument == "backends"
