"""What R calls: plain data in, plain data out, KswitchError for anything a user must fix.

Each function composes the config, backend and switch rules; the R package only translates
arguments, results and errors (see ``r_call``).
"""

import os
import sys
import time
from typing import Any, Callable, Dict, List, Optional

from . import backends, config, switch
from .errors import KswitchError

__all__ = ["use_backend", "backend", "backends_table", "config_info", "config_path",
           "get_setting", "set_epsilon", "set_floatx", "set_image_data_format",
           "clear_session", "shape", "keras_module", "set_keras_home", "begin_scope",
           "end_scope", "backend_missing", "repair_config"]


def _with_persisted(updates: Dict[str, Any], change: Callable[[], Any],
                    undo: Callable[[Any], None]) -> Any:
    """Change the session, then keras.json; if the write fails, undo the session change."""
    path = config.config_path()
    config.read_config(path)  # refuse a file we cannot trust or write before changing anything
    config.check_can_write(path)
    result = change()
    try:
        config.update_config(updates, path)
    except BaseException:
        undo(result)
        raise
    return result


def use_backend(backend: str, persist: bool = True) -> Dict[str, Any]:
    """Switch this session to ``backend`` and, with ``persist``, write it to keras.json."""
    spec = backends.get_backend(backend)
    backends.require_installed(spec)
    env_before = os.environ.get(switch.ENV)

    def undo(result: Dict[str, Any]) -> None:
        if result["reloaded"]:
            switch.switch(result["previous"])  # a parked tree: instant, cannot fail to import
        switch.set_backend_env(env_before)

    change = lambda: switch.switch(spec.name)  # noqa: E731
    start = time.perf_counter()
    result = _with_persisted({"backend": spec.name}, change, undo) if persist else change()
    result["seconds"] = time.perf_counter() - start
    override = switch.outside_override()
    result.update(backend=spec.name, persisted_to=config.config_path() if persist else None,
                  override=override if override and override != spec.name else None)
    return result


def begin_scope(backend: Optional[str] = None, epsilon: Any = None, floatx: Any = None,
                image_data_format: Any = None) -> Dict[str, Any]:
    """Switch the session (never keras.json) for a scope; returns what ``end_scope`` restores.

    Every argument is checked before anything changes; if applying them fails, the session is
    put back at once.
    """
    spec = backends.get_backend(backend) if backend is not None else None
    if spec is not None:
        backends.require_installed(spec)
    settings = {}
    if epsilon is not None:
        settings["epsilon"] = config.check_epsilon(epsilon, "epsilon")
    if floatx is not None:
        settings["floatx"] = config.check_floatx(floatx, "floatx")
    if image_data_format is not None:
        settings["image_data_format"] = config.check_image_data_format(
            image_data_format, "image_data_format")
    state = switch.snapshot()
    try:
        if spec is not None:
            switch.switch(spec.name)
        for setting, value in settings.items():
            switch.set_setting(setting, value)
    except BaseException:
        switch.restore(state)
        raise
    return state


def end_scope(state: Dict[str, Any]) -> None:
    switch.restore(state)


def backend_missing(backend: str, argument: str = "backend") -> Optional[str]:
    """Why ``backend`` cannot be used in this Python, or None when it can (for test skips)."""
    spec = backends.get_backend(backend, argument)
    if backends.keras_version() is None:
        return "Keras is not installed in this Python ({})".format(sys.executable)
    missing = backends.missing_modules(spec)
    if missing:
        return "the {} backend is not installed in this Python ({}): {} missing".format(
            spec.name, sys.executable, ", ".join(missing))
    return None


def backend() -> str:
    return switch.active_backend()


def _active_or_none() -> Optional[str]:
    try:
        return switch.active_backend()
    except KswitchError:  # an untrusted keras.json must not hide the table
        return None


def backends_table() -> Dict[str, List[Any]]:
    """Column-wise: backend, installed, version, active, loaded, trainable."""
    active, loaded = _active_or_none(), switch.loaded_backends()
    rows = [(b, backends.is_installed(b)) for b in backends.KERAS3]
    return {
        "backend": [b.name for b, _ in rows],
        "installed": [ok for _, ok in rows],
        "version": [backends.distribution_version(b.distributions) if ok else None
                    for b, ok in rows],
        "active": [b.name == active for b, _ in rows],
        "loaded": [b.name in loaded for b, _ in rows],
        "trainable": [b.trainable for b, _ in rows],
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
            "keras_version": backends.keras_version(), "python": sys.executable}
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


def _set(setting: str, value: Any, persist: bool) -> Any:
    if not persist:
        return switch.set_setting(setting, value)
    return _with_persisted({setting: value}, lambda: switch.set_setting(setting, value),
                           lambda old: switch.set_setting(setting, old))


def set_epsilon(e: Any, persist: bool = False) -> float:
    return _set("epsilon", config.check_epsilon(e, "e"), persist)


def set_floatx(floatx: Any, persist: bool = False) -> str:
    return _set("floatx", config.check_floatx(floatx, "floatx", in_file=persist), persist)


def set_image_data_format(data_format: Any, persist: bool = False) -> str:
    return _set("image_data_format", config.check_image_data_format(data_format), persist)


def clear_session() -> None:
    switch.keras_module().backend.clear_session()


def shape(x: Any) -> List[Optional[int]]:
    """Dimensions of a tensor or array; None where unknown (symbolic dimensions)."""
    if not hasattr(x, "shape"):
        x = switch.keras_module().ops.convert_to_tensor(x)

    def dim(d: Any) -> Optional[int]:
        try:
            return None if d is None else int(d)
        except (TypeError, ValueError):  # a symbolic dimension
            return None

    return [dim(d) for d in tuple(x.shape)]


def set_keras_home(path: Optional[str]) -> Optional[str]:
    """Set (or with None, unset) KERAS_HOME in this process; returns the old value."""
    old = os.environ.get("KERAS_HOME")
    if path is None:
        os.environ.pop("KERAS_HOME", None)
    else:
        os.environ["KERAS_HOME"] = path
    return old


def keras_module() -> Any:
    return switch.keras_module()


def r_call(name: str, *args: Any, **kwargs: Any) -> Dict[str, Any]:
    """R's single entry point: a kswitch error comes back as data R turns into a condition."""
    if name not in __all__:
        raise ValueError("kswitch has no R entry point {!r}".format(name))
    try:
        return {"value": globals()[name](*args, **kwargs), "error": None}
    except KswitchError as e:
        return {"value": None, "error": e.to_dict()}
