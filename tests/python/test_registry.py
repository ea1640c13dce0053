import os

import pytest
from kswitch import registry
from kswitch.errors import (
    BackendElsewhereError,
    BackendUnavailableError,
    InvalidArgumentError,
    UnknownBackendError,
)


def test_registry_is_keras3s_names():
    assert registry.NAMES == ("tensorflow", "jax", "torch", "numpy", "openvino")
    assert [b.trainable for b in registry.KERAS3] == [True, True, True, False, False]


@pytest.mark.parametrize("name, hint", [("Jax", 'Did you mean "jax"'),
                                        ("tensorflw", 'Did you mean "tensorflow"'),
                                        ("Theano", 'Did you mean "theano"'),
                                        ("os", None), ("", None)])
def test_unknown_names_are_rejected(name, hint):
    with pytest.raises(UnknownBackendError) as e:
        registry.get_backend(name)
    assert isinstance(e.value, InvalidArgumentError)
    assert e.value.r_classes() == ["kswitch_error_backend_unknown",
                                   "kswitch_error_invalid_argument", "kswitch_error"]
    assert (hint in str(e.value)) if hint else "Did you mean" not in str(e.value)


def test_installed_and_version_without_importing():
    import sys
    numpy = registry.get_backend("numpy")
    assert registry.is_installed(numpy)
    assert registry.distribution_version(numpy.distributions)
    missing = numpy._replace(name="nothing", modules=("numpy", "kswitch_no_such_module"),
                             distributions=("kswitch-no-such-dist",))
    assert not registry.is_installed(missing)
    assert registry.distribution_version(missing.distributions) is None
    assert registry.missing_modules(missing) == ["kswitch_no_such_module"]
    with pytest.raises(BackendUnavailableError, match="install_backends") as e:
        registry.require_installed(missing)
    assert '"kswitch_no_such_module"' in str(e.value) and '"numpy"' not in e.value.problem
    assert "kswitch_no_such_module" not in sys.modules


def test_install_requirements_ask_pip_once_per_package():
    from kswitch import install
    reqs = install.requirements(["jax", "numpy", "jax"], numpy_below_2=True)
    assert reqs == ["keras", "numpy<2", "jax", "scipy"]


def test_generations_one_rule():
    assert registry.generation("2.3.1") == 2 and registry.generation("3.15.1") == 3
    assert registry.generation(None) is None
    assert registry.LEGACY_ONLY == ("theano", "cntk")
    assert [registry.generation_of(n) for n in ("tensorflow", "jax", "theano", "cntk", "x")] \
        == [3, 3, 2, 2, None]
    assert registry.get_backend("tensorflow", gen=2).requirements == ("tensorflow==1.14.0",)
    assert registry.get_backend("tensorflow", gen=3).generation == 3


@pytest.mark.parametrize("name, gen, needs", [("theano", 3, "Keras 2.3.1"),
                                                ("cntk", 3, "Keras 2.3.1"),
                                                ("jax", 2, "Keras 3")])
def test_other_generations_backend_says_how_to_get_it(name, gen, needs):
    with pytest.raises(BackendElsewhereError) as e:
        registry.get_backend(name, gen=gen)
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


def test_managed_request_is_keras3s_without_what_is_declared():
    from kswitch import registry
    request = registry.managed_request("jax", False, os_name="Linux")
    assert request == {"packages": ["keras", "tensorflow-cpu", "jax[cpu]"], "append": [],
                       "set": []}
    declared = ("keras", "tensorflow-cpu", "jax[cpu]")
    assert registry.managed_request("jax", False, declared, os_name="Linux")["packages"] == []
    # A bare name already declared with other extras or versions is not asked again.
    assert registry.managed_request("numpy", False, ("jax", "Keras>=3"),
                                    os_name="Linux")["packages"] == ["tensorflow-cpu", "numpy"]
    assert "torch" in registry.managed_request("torch", False, os_name="macOS")["packages"]
    assert registry.bare_name("jax[cuda12]!=0.6.1") == "jax"


def test_managed_request_sets_uvs_variables_as_keras3_does(monkeypatch, tmp_path):
    from kswitch import registry
    monkeypatch.delenv(registry.PYTORCH_INDEX_MIRROR, raising=False)
    keras3 = str(tmp_path)
    for name in (registry.KERAS3_CONSTRAINTS, registry.KERAS3_TF_CPU_OVERRIDE):
        (tmp_path / name).write_text("")
    torch = registry.managed_request("torch", False, keras3_dir=keras3, os_name="Linux")
    assert torch["append"] == [
        ["UV_CONSTRAINT", os.path.join(keras3, "keras-constraints.txt")],
        ["UV_OVERRIDE", os.path.join(keras3, "never-tensorflow-override.txt")],
        ["UV_INDEX", "https://download.pytorch.org/whl/cpu"]]
    # A keras3 without the files (1.4.0): uv must not be told to read files that are not there.
    (tmp_path / registry.KERAS3_CONSTRAINTS).unlink()
    assert registry.managed_request("jax", False, keras3_dir=keras3, os_name="Linux")[
        "append"] == [["UV_OVERRIDE", os.path.join(keras3, "never-tensorflow-override.txt")]]
    gpu_jax = registry.managed_request("jax", True, os_name="Linux")
    assert gpu_jax["packages"] == ["keras", "tensorflow-cpu", "jax[cuda12]!=0.6.1"]
    assert gpu_jax["set"] == [["XLA_PYTHON_CLIENT_MEM_FRACTION", "1.00"]]
    assert registry.managed_request("torch", True, os_name="Windows")["append"] == [
        ["UV_INDEX", "https://download.pytorch.org/whl/cu129"]]
    # Without keras3 installed, none of its files.
    assert all(a[0] == "UV_INDEX" for a in torch_without_keras3())
    monkeypatch.setenv(registry.PYTORCH_INDEX_MIRROR, "file:///mirror/")
    assert registry.managed_request("torch", False, os_name="Linux")["append"] == [
        ["UV_INDEX", "file:///mirror/cpu"]]
    assert registry.keras3_os("Darwin", "arm64") == "macOS"
    assert registry.keras3_os("Darwin", "x86_64") == "Linux"  # as keras3's get_os()


def torch_without_keras3():
    from kswitch import registry
    return registry.managed_request("torch", False, os_name="Linux")["append"]


def test_managed_request_refuses_an_unknown_or_legacy_backend():
    from kswitch import api
    assert api.r_call("managed_request", "Jax")["error"]["classes"][0] == \
        "kswitch_error_backend_unknown"
    assert api.r_call("managed_request", "theano")["error"]["classes"][0] == \
        "kswitch_error_backend_elsewhere"
    error = api.r_call("managed_request_failed", "jax", ["jax[cuda12]"], "uv: offline",
                       retry='call `use_backend("jax", gpu = TRUE)`')["error"]
    assert error["classes"][0] == "kswitch_error_backend_unavailable"
    assert "jax[cuda12]" in error["bullets"][0][1] and "uv said: uv: offline" in \
        error["bullets"][0][1]
    assert 'then call `use_backend("jax", gpu = TRUE)` again' in error["bullets"][2][1]


@pytest.mark.parametrize("kind, says", [
    ("managed", 'reticulate::py_require(c("keras", "tensorflow-cpu", "jax[cpu]"))'),
    ("kswitch", 'kswitch::install_backends("jax")'),
    ("RETICULATE_PYTHON", 'reticulate::py_install(c("jax"))'),
    ("project", 'reticulate::py_install(c("jax"))'),
    ("other", 'reticulate::py_install(c("jax"))'),
    ("python", " -m pip install kswitch_no_such_module`, then switch again."),  # outside R
])
def test_not_installed_fix_depends_on_the_kind_of_python(monkeypatch, kind, says):
    monkeypatch.setitem(registry.SESSION, "kind", kind)
    monkeypatch.setattr(registry, "has_gpu", lambda: False)
    missing = registry.REGISTRY["jax"]._replace(modules=("kswitch_no_such_module",))
    with pytest.raises(BackendUnavailableError) as e:
        registry.require_installed(missing)
    assert says in e.value.fix
    # Only kswitch's own environment is built by install_backends(): a Python the user chose
    # stays theirs, and install_backends() would not change which one the session binds.
    assert ("install_backends" in e.value.fix) == (kind == "kswitch")


@pytest.mark.parametrize("by, says", [
    ("RETICULATE_PYTHON", "Unset it"),
    ("use_python", "without it"),
    ("VIRTUAL_ENV", "deactivate"),
    ("project", "outside the project directory"),
    ("managed", 'RETICULATE_PYTHON=\"managed\"'),
    ("default", "Start a new R session"),
])
def test_rebind_fix_names_who_chose_the_python(monkeypatch, by, says):
    monkeypatch.setitem(registry.SESSION, "by", by)
    monkeypatch.setitem(registry.SESSION, "python", "/the/session/python")
    error = registry.elsewhere_error("theano", 3)
    assert says in error.valid and 'use_backend("theano")' in error.valid
    assert "/the/session/python" in error.message
    if by != "default":  # never the circular "start a new session and call it first" alone
        assert not error.valid.startswith("Start a new R session")


@pytest.mark.parametrize("kind, says", [
    ("kswitch", 'kswitch::install_backends("tensorflow")'),
    ("project", 'reticulate::py_install(c("tensorflow-cpu"))'),
    ("managed", "uv cache clean tensorflow"),
])
def test_reinstall_fix_follows_the_kind_of_python(monkeypatch, kind, says):
    monkeypatch.setitem(registry.SESSION, "kind", kind)
    assert says in registry.reinstall_fix("tensorflow")


def test_a_missing_library_is_installed_not_reinstalled(monkeypatch):
    monkeypatch.setitem(registry.SESSION, "kind", "project")
    fix = registry.reinstall_fix("tensorflow", missing=True)
    assert fix.startswith("Install it in this Python") and "install_backends" not in fix
