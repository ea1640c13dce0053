"""Switching the backend of the running Python: one Keras module tree per backend.

Keras's own ``keras.config.set_backend()`` deletes every ``keras*`` entry of ``sys.modules``
and imports Keras again: slow, it leaks the old tree, and it resets the session's settings.
kswitch instead parks the current tree and puts back (or, the first time, imports) the tree of
the new backend. A switch is a transaction: if the new tree cannot be imported, the previous
one is put back and the session keeps working.
"""

import importlib
import os
import sys
from types import ModuleType
from typing import Any, Dict, List, Optional, Set, Tuple

from . import config, keras_compat, objects
from . import registry as backends  # the backend registry (kswitch.backends() is public)
from .errors import (
    ConfigError,
    KerasUnavailableError,
    KswitchError,
    SwitchFailedError,
    WrongBackendError,
    show,
)

ENV = "KERAS_BACKEND"

# KERAS_BACKEND as this process found it, before kswitch changed it: set outside kswitch.
_outside_env = os.environ.get(ENV) or None
_set_by_kswitch: Optional[str] = None


# A module of the Keras tree: Keras's own rule in set_backend().
KERAS_PREFIX = "keras"

# A Keras module tree: module name -> module, "keras" among them.
Tree = Dict[str, ModuleType]


class _Swap:
    """A swap from ``old`` to ``new`` and what it removed from sys.modules: ``gone``, the
    names of ``old`` that ``new`` lacks. Trees only grow: it holds while both keep their sizes.
    (Slots: read on every swap, they are faster than a NamedTuple's fields.)"""
    __slots__ = ("old", "new", "old_size", "new_size", "gone")

    def __init__(self, old: Tree, new: Tree, gone: List[str]) -> None:
        self.old, self.new, self.gone = old, new, gone
        self.old_size, self.new_size = len(old), len(new)


class Trees:
    """The Keras module trees of this process: the active one is in sys.modules, the others
    are ``parked`` by backend.

    The other fields only make a swap cheap once models are built (#17); each was measured
    worth keeping (a switch back, and a call on another backend's model, in Python):
    ``active`` is the active tree as last completed and ``new_names`` the Keras modules
    imported since (recorded by _TreeFinder), so a swap never scans sys.modules (~3400
    entries, 0.3 ms a scan); ``swaps`` are the last two swaps, as a call on another backend
    swaps there and back: diffing two trees of ~500 modules each time doubled its cost.
    """

    __slots__ = ("parked", "active", "new_names", "swaps")

    def __init__(self) -> None:
        self.parked: Dict[str, Tree] = {}
        self.active: Tree = {}
        self.new_names: Set[str] = set()
        self.swaps: List[_Swap] = []

    def invalidate(self) -> None:
        """Forget what derives from the trees' identities: the active tree left sys.modules,
        or sys.modules holds one not seen yet. The next active_modules() scans once."""
        self.active = {}
        self.swaps = []  # they would also keep trees alive that may be dropped

    def active_modules(self) -> Tree:
        """The active tree, complete: with the modules imported since it was last put back."""
        modules = sys.modules
        if modules.get("keras") is not self.active.get("keras"):  # a tree not seen yet
            self.invalidate()
            self.active = {n: m for n, m in list(modules.items()) if n.startswith(KERAS_PREFIX)}
            self._share_names()
        else:
            for n in self.new_names:
                if n in modules:
                    self.active[n] = modules[n]
        self.new_names = set()
        if sys.meta_path[0] is not _TreeFinder:  # another finder put itself first
            _finder_first()
        return self.active

    def _share_names(self) -> None:
        """Key the parked trees with the name strings of the active tree, just imported:
        sys.modules' own.

        A switch writes a whole tree (~500 modules) into sys.modules, which keeps its key
        object for a name it has. When the tree's key is that same object the dict compares
        pointers; else it compares the strings, reading both from memory, and once models have
        been built those reads miss the cache: a third of the update (about 200 -> 135 us a
        swap, measured from R; 211 -> 202 us a switch back in Python on 2026-12-05).
        """
        names = {n: n for n in self.active}
        for backend, parked in list(self.parked.items()):
            self.parked[backend] = {names.get(n, n): m for n, m in parked.items()}

    def take(self) -> Tree:
        """Remove the active tree's modules from sys.modules and return them."""
        tree, modules = self.active_modules(), sys.modules
        for n in tree:
            modules.pop(n, None)
        self.invalidate()
        return tree

    def put(self, tree: Tree) -> None:
        """Make ``tree`` the active one, in place of the active tree if there is one."""
        old, modules = self.active_modules(), sys.modules
        modules.update(tree)
        for n in self._gone(old, tree):
            modules.pop(n, None)
        self.active = tree

    def unpark(self, name: str) -> None:
        """Make the tree parked for backend ``name`` the active one."""
        self.put(self.parked.pop(name))

    def _gone(self, old: Tree, new: Tree) -> List[str]:
        """The names of ``old`` that ``new`` lacks, diffed once per pair of trees and sizes."""
        for swap in self.swaps:
            if swap.old is old and swap.new is new and swap.old_size == len(old) \
                    and swap.new_size == len(new):
                return swap.gone
        gone = [n for n in old if n not in new]
        self.swaps = [_Swap(old, new, gone)] + self.swaps[:1]
        return gone


_trees = Trees()


class _TreeFinder:
    """First on sys.meta_path, it records each Keras module as it is imported, and finds
    nothing: the usual finders import it."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> None:
        if name.startswith(KERAS_PREFIX):
            _trees.new_names.add(name)
        return None


def _finder_first() -> None:
    sys.meta_path[:] = [_TreeFinder] + [f for f in sys.meta_path if f is not _TreeFinder]


_finder_first()


def keras_imported() -> bool:
    return "keras" in sys.modules


def tree_id() -> Optional[str]:
    """Which Keras module tree is active: the identity of sys.modules["keras"], or None."""
    keras = sys.modules.get("keras")
    return None if keras is None else str(id(keras))


def active_backend() -> str:
    """The backend Keras runs on, or would run on if imported now. Imports nothing."""
    if keras_imported():
        return backends.config_api(sys.modules["keras"]).backend()
    return os.environ.get(ENV) or (config.read_config() or {}).get("backend") \
        or config.DEFAULTS["backend"]


def backend_source() -> str:
    """Where the backend comes from: "kswitch", "KERAS_BACKEND", "keras.json" or "default"."""
    env = os.environ.get(ENV)
    if env:
        return "kswitch" if env == _set_by_kswitch else "KERAS_BACKEND"
    return "keras.json" if "backend" in (config.read_config() or {}) else "default"


def outside_override() -> Optional[str]:
    """A KERAS_BACKEND set outside kswitch, which overrides keras.json in new sessions."""
    return _outside_env


def forget_outside_override() -> None:
    """KERAS_BACKEND was set in this R session (keras3::use_backend(), Sys.setenv()), not before
    it started: the user's choice for this session, which new sessions do not inherit."""
    global _outside_env
    _outside_env = None


def loaded_backends() -> List[str]:
    active = [active_backend()] if keras_imported() else []
    return active + sorted(_trees.parked)


def trees() -> List[Tuple[str, ModuleType]]:
    """Every Keras this session holds, as (backend, its ``keras`` module): the active one
    first, then the parked ones."""
    active = [(active_backend(), sys.modules["keras"])] if keras_imported() else []
    return active + [(name, tree["keras"]) for name, tree in sorted(_trees.parked.items())]


def set_backend_env(name: Optional[str]) -> None:
    global _set_by_kswitch
    if name:
        os.environ[ENV] = name
        _set_by_kswitch = name
    else:
        os.environ.pop(ENV, None)


def _prepare_active() -> None:
    """Objects of the active tree run on it whatever tree is active later (objects.py)."""
    keras = sys.modules.get("keras")
    if keras is None or objects.is_prepared(keras):
        return
    objects.prepare(_trees.active_modules(), backends.generation(keras.__version__) or 3, run_on)


def _park_active(name: str) -> None:
    _prepare_active()
    _trees.parked[name] = _trees.take()


def run_on(keras: ModuleType, call: Any) -> Any:
    """``call()`` with the tree of ``keras`` active, and the session's tree back afterwards
    (also on error and interrupt): how an object of another backend runs on its own."""
    name = objects.backend_of(keras)
    parked = _trees.parked.get(name)
    if parked is None or parked.get("keras") is not keras:
        raise WrongBackendError(
            "This object was made on {}, whose Keras this session no longer holds.".format(
                show(name)),
            problem="Its Keras failed and was unloaded, so nothing can run it any more.",
            fix="Make the object again, or load a saved copy with `keras3::load_model()`.",
            value=name).surfaced()
    active = active_backend() if keras_imported() else None
    if active is not None:
        _prepare_active()
        _trees.parked[active] = _trees.active_modules()
    _trees.unpark(name)
    try:
        return call()
    finally:
        _trees.parked[name] = _trees.active_modules()
        if active is None:
            _trees.take()
        else:
            _trees.unpark(active)


def _import_keras(name: str) -> ModuleType:
    if "tensorflow" not in sys.modules and backends.current_generation() == 2:
        # TensorFlow 2 sets TF2_BEHAVIOR=1 in its process and child processes inherit it (a
        # process-isolated run started from a Keras 3 session): it makes TensorFlow 1.14
        # eager, and Keras 2.3.1 then fails ("get_session is not available").
        os.environ.pop("TF2_BEHAVIOR", None)
    config.write_defaults_if_missing()
    if name == "torch":
        importlib.import_module("torch")  # Keras's rule: torch before anything else
    keras = importlib.import_module("keras")
    _prepare_active()
    _real_64_bit_floats(keras)  # keras.json may say float64
    return keras


def read_settings(keras: ModuleType) -> Dict[str, Any]:
    return {s: getattr(backends.config_api(keras), s)() for s in config.SETTINGS}


def apply_settings(keras: ModuleType, settings: Dict[str, Any]) -> None:
    """Give ``keras`` the session's settings. A tree put back usually holds them already, and
    setting one costs more than reading it (a floatx makes a new dtype policy)."""
    api = backends.config_api(keras)
    for s in config.SETTINGS:
        if getattr(api, s)() != settings[s]:
            _apply_setting(keras, s, settings[s])


def _apply_setting(keras: ModuleType, setting: str, value: Any) -> None:
    # Keras 3 layers take their dtype from the global dtype policy, derived from floatx once
    # and then cached: a floatx set later would not reach new layers. Keep a derived policy
    # in step; a policy the user chose (e.g. "mixed_float16") is left alone. (Keras 2 has none.)
    api = backends.config_api(keras)
    derived = setting == "floatx" and hasattr(api, "dtype_policy") \
        and api.dtype_policy().name == api.floatx()
    getattr(api, "set_" + setting)(value)
    if derived:
        api.set_dtype_policy(value)
    if setting == "floatx":
        _real_64_bit_floats(keras)


def _real_64_bit_floats(keras: ModuleType) -> None:
    """JAX stores float64 as float32 unless its x64 mode is on: Keras would report float64
    weights holding float32. Turned on (for the process; it is JAX's global) when floatx is
    float64 on jax."""
    api = backends.config_api(keras)
    if api.floatx() == "float64" and api.backend() == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)


def keras_module() -> ModuleType:
    """The ``keras`` module on the current backend, importing it (transactionally) if needed."""
    if keras_imported():
        _prepare_active()  # imported outside kswitch (a Python chunk)
        return sys.modules["keras"]
    name = active_backend()
    generation = backends.current_generation()
    if backends.lives_elsewhere(name, generation):  # e.g. keras.json says "theano" to Keras 3
        source = backend_source()
        raise backends.elsewhere_error(name, generation, source=config.config_path() if
                                       source == "keras.json" else source)
    if name in _trees.parked:  # parked when a scope that first imported Keras ended
        _trees.unpark(name)
        return sys.modules["keras"]
    check_importable(name)
    try:
        return _import_keras(name)
    except BaseException as e:  # also KeyboardInterrupt: nothing half-imported may stay
        _trees.take()  # a half-imported Keras would make the next import fail differently
        if not isinstance(e, Exception):
            raise
        raise _import_error(name, e, rolled_back=None) from e


def check_importable(name: str) -> None:
    """A backend that comes from KERAS_BACKEND or keras.json must be one this Keras has.

    Otherwise Keras fails deep inside its import ("Unable to import backend"), and a name is
    never turned into an import unless it is in the registry. (A backend of the other Keras
    generation is caught before this, with how to get it.)
    """
    generation = backends.current_generation()
    names = [b.name for b in backends.GENERATIONS[generation]]
    if name in names:
        return
    keras = backends.label(generation)
    valid = "{} backends: {}.".format(keras, ", ".join(show(n) for n in names))
    if str(name).lower() in names:
        valid += " Names are case-sensitive: did you mean {}?".format(show(str(name).lower()))
    fix = ('Use a {} backend in this session with `use_backend("tensorflow", persist = '
           'FALSE)`, or save one with `use_backend("tensorflow")`').format(keras)
    if os.environ.get(ENV):
        raise ConfigError("KERAS_BACKEND is {}, which {} cannot load.".format(
            show(name), keras), valid=valid, fix=fix + ", or unset KERAS_BACKEND.",
            argument="KERAS_BACKEND", value=name)
    path = config.config_path()
    raise ConfigError("{} names the backend {}, which {} cannot load.".format(
        path, show(name), keras), valid=valid,
        fix=fix + ", or edit the file (`kswitch::keras_config_path()`).",
        argument="backend", value=name, path=path)


def switch(name: str) -> Dict[str, Any]:
    """Put this Python on backend ``name`` (already validated and installed)."""
    previous_env = os.environ.get(ENV)
    if not keras_imported():
        previous = active_backend()
        set_backend_env(name)
        if name in _trees.parked:  # so a plain `import keras` (a Python chunk) gets this tree too
            _trees.unpark(name)
        return {"previous": previous, "reloaded": False, "first_import": False}
    keras = sys.modules["keras"]
    previous = backends.config_api(keras).backend()
    if previous == name:
        set_backend_env(name)
        return {"previous": previous, "reloaded": False, "first_import": False}
    settings = read_settings(keras)
    _prepare_active()
    keras_compat.check_can_leave(keras, name)  # objects this Keras cannot protect: stay
    _trees.parked[previous] = _trees.active_modules()
    first_import = name not in _trees.parked
    set_backend_env(name)
    try:
        if first_import:
            _trees.take()
            keras = _import_keras(name)
        else:
            _trees.unpark(name)
            keras = sys.modules["keras"]
        apply_settings(keras, settings)
    except BaseException as e:  # also KeyboardInterrupt: the session must stay usable
        failed = _trees.take()
        if not first_import:
            _trees.parked[name] = failed
        _trees.unpark(previous)
        set_backend_env(previous_env)
        if not isinstance(e, Exception):
            raise
        raise _import_error(name, e, rolled_back=previous) from e
    return {"previous": previous, "reloaded": True, "first_import": first_import}


# Frames of these packages are the messengers, not the package that failed.
# reticulate's import hook (rpytools) is on every import's stack in an R session.
_NOT_THE_CULPRIT = ("keras", "importlib", "kswitch", "__main__", "rpytools")


def failing_package(e: BaseException, fallback: str) -> str:
    """The top-level package an import failure comes from, for the error message.

    A ModuleNotFoundError names the missing module itself. Otherwise the deepest frame outside
    Keras and the import machinery (a package raising in its own ``__init__``, or loading a
    native extension that cannot find its library), else the module an ImportError or
    AttributeError names, else ``fallback``.
    """
    if isinstance(e, ModuleNotFoundError) and e.name:
        return e.name.split(".")[0]  # the module that is missing, not the one importing it
    package = None
    tb = e.__traceback__
    while tb is not None:
        top = str(tb.tb_frame.f_globals.get("__name__", "")).split(".")[0]
        if top and top not in _NOT_THE_CULPRIT and not top.startswith("_frozen"):
            package = top
        tb = tb.tb_next
    if package:
        return package
    if isinstance(e, ImportError) and e.name:
        return e.name.split(".")[0]
    obj = getattr(e, "obj", None)  # AttributeError on a module (Python >= 3.10)
    if isinstance(obj, ModuleType):
        return obj.__name__.split(".")[0]
    return fallback


def snapshot() -> Dict[str, Any]:
    """What a scope (with_backend(), a knitr chunk) must put back when it ends."""
    imported = keras_imported()
    return {"imported": imported, "backend": active_backend(), "env": os.environ.get(ENV),
            "set_by_kswitch": _set_by_kswitch,
            "settings": read_settings(sys.modules["keras"]) if imported else None}


def restore(state: Dict[str, Any]) -> None:
    """Put back a ``snapshot()``: the backend, its settings and KERAS_BACKEND."""
    global _set_by_kswitch
    if state["imported"]:
        if active_backend() != state["backend"]:
            switch(state["backend"])  # its tree is parked: instant, cannot fail to import
        apply_settings(keras_module(), state["settings"])
    elif keras_imported():
        # Keras was first imported inside the scope. Park its tree, so the next import on that
        # backend is instant, holding the settings a fresh import would read from the file.
        keras = sys.modules["keras"]
        name = backends.config_api(keras).backend()
        try:
            apply_settings(keras, file_settings())
            _park_active(name)
        except KswitchError:  # the file went bad meanwhile: drop the tree, import afresh later
            _trees.take()
    if state["env"] is None:
        os.environ.pop(ENV, None)
    else:
        os.environ[ENV] = state["env"]
    _set_by_kswitch = state["set_by_kswitch"]


def file_settings() -> Dict[str, Any]:
    """The settings Keras takes from keras.json (or its defaults) when imported."""
    found = config.read_config() or {}
    return {s: found.get(s, config.DEFAULTS[s]) for s in config.SETTINGS}


def _import_error(name: str, e: BaseException, rolled_back: Optional[str]):
    known = {b.name: b for b in backends.GENERATIONS[backends.current_generation()]}
    library = known[name].modules[0] if name in known else "keras"
    package = failing_package(e, library)
    detail = "{}: {}".format(type(e).__name__, e)
    if rolled_back is None:
        cls, head = KerasUnavailableError, "Keras could not be imported on the {} backend.".format(
            show(name))
    else:
        cls, head = SwitchFailedError, ("Switching to {} failed; the session is still on {}, "
                                        "unchanged.".format(show(name), show(rolled_back)))
    return cls(head, problem="Importing {} failed with {}".format(show(package), detail),
               fix=backends.reinstall_fix(package, missing=isinstance(e, ModuleNotFoundError)) +
               ", or choose another backend with `use_backend()`.",
               argument="backend", value=name)


def get_setting(setting: str) -> Any:
    return getattr(backends.config_api(keras_module()), setting)()


def set_setting(setting: str, value: Any) -> Any:
    """Set a session setting; returns the old value."""
    keras = keras_module()
    old = getattr(backends.config_api(keras), setting)()
    _apply_setting(keras, setting, value)
    return old
