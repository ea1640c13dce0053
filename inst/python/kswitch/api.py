"""What R calls: plain data in, plain data out, KswitchError for anything a user must fix.

Each function composes the config, backend and switch rules; the R package only translates
arguments, results and errors (see ``r_call``).
"""

import importlib
import os
import sys
import time
from typing import Any, Callable, Dict, List, Optional

from . import carry, config, keras_compat, registry, switch
from .errors import BackendUnavailableError, KswitchError, NotSupportedError, show

__all__ = ["use_backend", "backend", "backends_table", "config_info", "config_path",
           "get_setting", "set_epsilon", "set_floatx", "set_image_data_format",
           "clear_session", "shape", "keras_module", "backend_source", "begin_scope",
           "end_scope", "backend_missing", "trainable_backends", "symbolic", "eager",
           "keras_generation", "comparison_target", "set_random_seed",
           "repair_config", "carry_model", "managed_request", "startup_request",
           "managed_request_failed",
           "keras_backend_set_in_session", "set_python_kind"]


def _transaction(change: Callable[[], Any], updates: Optional[Dict[str, Any]] = None) -> Any:
    """Run ``change`` on the session and, with ``updates``, write them to keras.json: both or
    neither. On any failure (also an interrupt) the session, KERAS_BACKEND and who set it are
    put back from a snapshot, the one rule scopes use too."""
    path = config.config_path() if updates is not None else None
    if path is not None:  # refuse a file we cannot trust or write before changing anything
        config.read_config(path)
        config.check_can_write(path)
    state = switch.snapshot()
    try:
        result = change()
        if path is not None:
            try:
                config.update_config(updates, path)
            except OSError as e:  # a failed write, whichever layer let it through
                raise config.write_error(path, e) from e
    except BaseException:
        switch.restore(state)
        raise
    return result


def use_backend(backend: str, persist: bool = True, gpu: bool = False) -> Dict[str, Any]:
    """Switch this session to ``backend`` and, with ``persist``, write it to keras.json.

    ``gpu`` (keras3's argument) requires the backend to see a GPU, else the switch is undone.
    """
    spec = registry.get_backend(backend)
    registry.require_installed(spec)

    def change() -> Dict[str, Any]:
        result = switch.switch(spec.name)
        if gpu and not _sees_gpu(spec.name):
            raise NotSupportedError(
                "`gpu = TRUE`, but the {} backend sees no GPU in this Python ({}).".format(
                    show(spec.name), sys.executable),
                problem="kswitch installs CPU builds; a GPU needs a GPU build of {} and a "
                        "driver.".format(spec.modules[0]),
                fix="Use `gpu = NA` (the default) to run on what is installed.",
                argument="gpu", value=True)
        return result

    start = time.perf_counter()
    result = _transaction(change, {"backend": spec.name} if persist else None)
    result["seconds"] = time.perf_counter() - start
    override = switch.outside_override()
    result.update(backend=spec.name, persisted_to=config.config_path() if persist else None,
                  override=override if override and override != spec.name else None,
                  # Keras 3 fails at import on this name: programs sharing the file break.
                  breaks_keras3=persist and spec.name in registry.LEGACY_ONLY)
    return result


def _sees_gpu(name: str) -> bool:
    """Whether the backend library finds a GPU device (imported now if Keras is not yet)."""
    library = importlib.import_module(registry.get_backend(name).modules[0])
    if name == "tensorflow":
        return bool(library.config.list_physical_devices("GPU"))
    if name == "jax":
        return any(d.platform == "gpu" for d in library.devices())
    if name == "torch":
        return bool(library.cuda.is_available())
    return False  # numpy and openvino run on the CPU here; Keras 2.3.1 backends are not asked


def carry_model(model: Any, to: str, tmpdir: Optional[str] = None) -> Dict[str, Any]:
    """``model`` on backend ``to``: saved in Keras's own format by the Keras that built it,
    loaded by ``to``'s, through a temporary directory in ``tmpdir`` that is removed after.

    Leaves the session on ``to`` (keras.json is not written); on any failure, the session is
    put back as it was. The original model stays usable on its own backend.
    """
    spec = registry.get_backend(to, "to")
    registry.require_installed(spec, "to")
    source = carry.model_backend(model)
    previous = switch.active_backend()
    moved: Dict[str, Any] = {}

    def to_target() -> Any:
        moved.update(switch.switch(spec.name))
        return switch.keras_module()

    def change() -> Any:
        switch.switch(source)  # parked: instant
        return carry.move(model, switch.keras_module(), spec.name, to_target, tmpdir)

    start = time.perf_counter()
    loaded = _transaction(change)
    return dict(moved, model=loaded, seconds=time.perf_counter() - start, previous=previous,
                source=source, backend=spec.name, name=model.name)


def begin_scope(backend: Optional[str] = None, epsilon: Any = None, floatx: Any = None,
                image_data_format: Any = None) -> Dict[str, Any]:
    """Switch the session (never keras.json) for a scope; returns what ``end_scope`` restores.

    Every argument is checked before anything changes; if applying them fails, the session is
    put back at once.
    """
    spec = registry.get_backend(backend) if backend is not None else None
    if spec is not None:
        registry.require_installed(spec)
    given = {"epsilon": epsilon, "floatx": floatx, "image_data_format": image_data_format}
    settings = {s: config.check_setting(s, given[s]) for s in config.SETTINGS
                if given[s] is not None}
    state = switch.snapshot()

    def change() -> None:
        if spec is not None:
            switch.switch(spec.name)
        for setting, value in settings.items():
            switch.set_setting(setting, value)

    _transaction(change)
    return state


def end_scope(state: Dict[str, Any]) -> None:
    switch.restore(state)


def trainable_backends(installed_only: bool = False) -> List[str]:
    """The backends of this Python's Keras that can train models; with ``installed_only``,
    those installed, and an error when there is none."""
    names = [b.name for b in registry.GENERATIONS[registry.current_generation()]
             if b.trainable and (not installed_only or registry.is_installed(b))]
    if installed_only and not names:
        raise BackendUnavailableError(
            "No installed Keras backend can train models ({}).".format(sys.executable),
            fix='Install some with `kswitch::install_backends(c("tensorflow", "jax"))`.',
            argument="backends")
    return names


def backend_missing(backend: str, argument: str = "backend") -> Optional[str]:
    """Why ``backend`` cannot be used in this Python, or None when it can (for test skips).
    On reticulate's managed Python a Keras 3 backend can: a switch requests it first."""
    try:
        spec = registry.get_backend(backend, argument)
        if registry.SESSION["kind"] == "managed" and spec.generation == 3:
            return None
        if registry.keras_version() is None:
            return "Keras is not installed in this Python ({})".format(sys.executable)
        registry.require_installed(spec, argument)
    except BackendUnavailableError as e:  # not installed, or of the other Keras generation
        return " ".join(str(e).splitlines())
    return None


def keras_generation() -> int:
    return registry.current_generation()


def backend() -> str:
    """The active backend; a name from KERAS_BACKEND or keras.json that this Keras cannot load
    (keras3's `config_set_backend("Torch")` takes any) is a ConfigError saying so."""
    name = switch.active_backend()
    if not switch.keras_imported() and not registry.lives_elsewhere(
            name, registry.current_generation()):
        switch.check_importable(name)
    return name


def _active_or_none() -> Optional[str]:
    try:
        return switch.active_backend()
    except KswitchError:  # an untrusted keras.json must not hide the table
        return None


def backends_table(other: Optional[Dict[str, Any]] = None) -> Dict[str, List[Any]]:
    """Column-wise: backend, installed, version, active, loaded, trainable, keras, python.

    This Python's backends first; then the other Keras generation's, as ``other`` reports them
    (the ``python -m kswitch.bind installed`` answer of that environment's Python, which R
    runs, or just its ``python`` when it has none; never active or loaded in this session).
    """
    active, loaded = _active_or_none(), switch.loaded_backends()
    gen = registry.current_generation()
    here = registry.installed_here()
    there = dict({"keras": None, "python": None}, **(other or {}))  # R names a missing one
    rows = [(b, here, b.name == active, b.name in loaded) for b in registry.GENERATIONS[gen]]
    rows += [(b, there, False, False) for b in registry.GENERATIONS[registry.other(gen)]]
    state = [(env.get("backends") or {}).get(b.name) or [False, None] for b, env, _, _ in rows]
    return {
        "backend": [b.name for b, _, _, _ in rows],
        "installed": [ok for ok, _ in state],
        "version": [version if ok else None for ok, version in state],
        "active": [a for _, _, a, _ in rows],
        "loaded": [was for _, _, _, was in rows],
        "trainable": [b.trainable for b, _, _, _ in rows],
        "keras": [env["keras"] for _, env, _, _ in rows],
        "python": [env["python"] for _, env, _, _ in rows],
    }


def config_path() -> str:
    return config.config_path()


def config_info() -> Dict[str, Any]:
    """Everything about the configuration, without importing Keras."""
    path = config.config_path()
    info = {"path": path, "exists": os.path.exists(path), "file": None, "file_error": None,
            "backend": None, "backend_source": None,
            "keras_backend_env": os.environ.get(switch.ENV) or None,
            "keras_imported": switch.keras_imported(), "session": None,
            "keras_version": registry.keras_version(), "python": sys.executable}
    try:
        info["file"] = config.read_config(path)
        info["backend"] = switch.active_backend()
        info["backend_source"] = switch.backend_source()
    except KswitchError as e:
        info["file_error"] = str(e)
    if switch.keras_imported():
        info["session"] = switch.read_settings(sys.modules["keras"])
        info["backend"] = switch.active_backend()
    return info


def repair_config() -> Dict[str, Any]:
    return config.repair_config(config.config_path())


def get_setting(setting: str) -> Any:
    return switch.get_setting(setting)


def _set_setting(setting: str, value: Any, persist: bool, argument: str) -> Any:
    """Set one of config.SETTINGS in the session and, with ``persist``, in keras.json."""
    # A saved floatx must be one Keras reads from the file (not bfloat16); epsilon is checked
    # the same either way and always written as a float.
    value = config.check_setting(setting, value, argument,
                                 in_file=persist and setting == "floatx")
    return _transaction(lambda: switch.set_setting(setting, value),
                        {setting: value} if persist else None)


def set_epsilon(e: Any, persist: bool = False) -> float:
    return _set_setting("epsilon", e, persist, "e")


def set_floatx(floatx: Any, persist: bool = False) -> str:
    return _set_setting("floatx", floatx, persist, "floatx")


def set_image_data_format(data_format: Any, persist: bool = False) -> str:
    return _set_setting("image_data_format", data_format, persist, "data_format")


def clear_session() -> None:
    keras = switch.keras_module()
    if registry.generation(keras.__version__) == 3:
        keras.backend.clear_session()
        return
    # Keras 2.3.1: Theano has no clear_session() (no global graph to drop) and CNTK's only
    # resets the learning phase; restarting the layer-name counters is common to all three.
    if hasattr(keras.backend, "clear_session"):
        keras.backend.clear_session()
    keras.backend.reset_uids()


def shape(x: Any) -> List[Optional[int]]:
    """Dimensions of a tensor or array; None where unknown (symbolic dimensions)."""
    keras = switch.keras_module()
    if registry.generation(keras.__version__) == 2 and keras.backend.is_tensor(x):
        # A Theano tensor's shape is itself symbolic; CNTK's leaves out the batch axis.
        x = _Dims(keras.backend.int_shape(x))
    elif not hasattr(x, "shape"):
        x = keras.ops.convert_to_tensor(x)

    def dim(d: Any) -> Optional[int]:
        try:
            return None if d is None else int(d)
        except (TypeError, ValueError):  # a symbolic dimension
            return None

    return [dim(d) for d in tuple(x.shape)]


class _Dims:
    def __init__(self, dims: Any) -> None:
        self.shape = tuple(dims or ())


def symbolic(f: Callable) -> Callable:
    """``f`` compiled to a graph: Keras 2's keras.backend.symbolic, else the backend's compiler."""
    keras = switch.keras_module()
    if registry.generation(keras.__version__) == 2:
        return keras.backend.symbolic(f)
    spec = registry.get_backend(keras.backend.backend())
    if spec.graph is None:
        raise NotSupportedError(
            "The {} backend has no graph compilation kswitch can offer.".format(show(spec.name)),
            problem="k_symbolic() compiles with tf.function on tensorflow and jax.jit on jax; "
                    "torch.compile cannot trace a function written in R, and numpy and openvino "
                    "have no such compiler.",
            fix="Call the function as it is (eager execution), or switch with "
                "`use_backend(\"tensorflow\")` or `use_backend(\"jax\")`.",
            argument="f", value=spec.name)
    module, function, kwargs = spec.graph
    return getattr(importlib.import_module(module), function)(f, **dict(kwargs))


def eager(f: Callable) -> Callable:
    """``f`` run eagerly: Keras 2's keras.backend.eager; Keras 3 runs every backend eagerly."""
    keras = switch.keras_module()
    return keras.backend.eager(f) if registry.generation(keras.__version__) == 2 else f


def backend_source() -> str:
    return switch.backend_source()


def keras_module() -> Any:
    return switch.keras_module()


def set_random_seed(seed: int) -> None:
    """Seed Python, NumPy and the backend, so runs with the same seed start alike."""
    keras = switch.keras_module()
    if registry.current_generation() == 3:
        keras.utils.set_random_seed(seed)
        return
    import random

    import numpy
    random.seed(seed)
    numpy.random.seed(seed)  # Keras 2.3.1 draws Theano's and CNTK's initializer seeds here
    if switch.active_backend() == "tensorflow":
        import tensorflow
        tensorflow.compat.v1.set_random_seed(seed)


def comparison_target(backend: str, argument: str = "backends",
                      in_session: bool = False) -> Dict[str, Any]:
    """Where compare_backends() runs ``backend``, and the versions its rows report.

    ``backend`` is its name in its environment; ``here`` says whether that is this Python;
    the backend library's and Keras's versions are known here only (None otherwise). Imports
    neither. With ``in_session``, a backend of the other Keras generation is an error: the
    runs would need this Python.
    """
    generation, spec = registry.resolve(backend, argument)
    this_generation = registry.current_generation()
    here = generation == this_generation
    if in_session and not here:
        raise registry.elsewhere_error(backend, this_generation, argument)
    return {"backend": spec.name, "here": here,
            "backend_version": registry.distribution_version(spec.distributions) if here
            else None,
            "keras_version": registry.keras_version() if here else None}


def keras_backend_set_in_session() -> None:
    """R saw KERAS_BACKEND set in the session, not at its start: not an override to warn of."""
    switch.forget_outside_override()


def set_python_kind(kind: str, by: str = "default", python: Optional[str] = None) -> None:
    """The session's Python as R's python_choice() names it (see registry.SESSION): what the
    errors' fixes tell to do."""
    registry.SESSION.update(kind=kind, by=by, python=python)
    keras_compat.for_r = []  # R raises the warnings as conditions (r_call hands them over)


def managed_request(backend: str, gpu: Optional[bool] = None,
                    declared: Optional[List[str]] = None, keras3_dir: Optional[str] = None,
                    argument: str = "backend", os_name: Optional[str] = None) -> Dict[str, Any]:
    """What to request of reticulate's managed Python before switching to ``backend``: keras3's
    packages and environment variables for this platform (or keras3's name of another OS,
    ``os_name``) and ``gpu`` (None: keras3's NA), without the packages already ``declared``."""
    registry.get_backend(backend, argument, gen=3)
    return registry.managed_request(backend, gpu, tuple(declared or ()), keras3_dir, os_name)


def startup_request(declared: Optional[List[str]] = None,
                    keras3_dir: Optional[str] = None) -> Dict[str, Any]:
    """The backend Keras will start on (KERAS_BACKEND, keras.json, "tensorflow") and, for a
    Keras 3 one, what to request of reticulate's managed Python before it starts (None for a
    Keras 2.3.1 one): asked once, in one child Python, when kswitch or keras3 loads."""
    backend = switch.active_backend()
    request = (registry.managed_request(backend, None, tuple(declared or ()), keras3_dir)
               if backend in registry.REGISTRY else None)
    return {"backend": backend, "request": request}


def managed_request_failed(backend: str, requirements: List[str], reason: str,
                           argument: str = "backend", retry: Optional[str] = None) -> None:
    raise registry.request_failed(backend, list(requirements), reason, argument, retry)


def r_call(name: str, *args: Any, **kwargs: Any) -> Dict[str, Any]:
    """R's single entry point: a kswitch error comes back as data R turns into a condition.

    ``tree`` identifies the active Keras module tree after the call (None: Keras not
    imported), so R can point the R Keras packages at it when it changed.
    """
    if name not in __all__:
        raise ValueError("kswitch has no R entry point {!r}".format(name))
    try:
        out = {"value": globals()[name](*args, **kwargs), "error": None}
    except KswitchError as e:
        out = {"value": None, "error": e.to_dict()}
    out["tree"] = switch.tree_id()
    if keras_compat.for_r:
        out["warnings"] = keras_compat.drain()
    return out
