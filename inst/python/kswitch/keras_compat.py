"""What kswitch relies on inside Keras, named once, with the releases it was checked against.

objects.py keeps each object on the backend it was made on by marking a few Keras base
classes and wrapping a few module functions. Keras's public API names them too, but the
bases every object derives from (``KerasSaveable`` under layers, models, optimizers, losses
and metrics) and the functions' home modules live in ``keras.src``, which any Keras release
may move. Each entry here names where kswitch takes it and where Keras's public API still
has it (or the public classes that cover the same objects).

When a tree is prepared each entry is looked up. One that has moved gives a
``KerasChangedWarning`` once per entry and Keras version, naming what moved, and its public
stand-in is used: objects stay protected. Where neither is found, objects of that kind cannot
be protected: the tree is marked, and a switch away from it (which would leave them running
on the wrong Keras) is refused with ``WrongBackendError`` instead of running unprotected.

Stdlib only.
"""

import warnings
from types import ModuleType
from typing import Any, Dict, List, NamedTuple, Tuple

from .errors import WrongBackendError, show
from .registry import config_api, generation

# The releases every entry was checked against (tests/python on the current Keras and on the
# oldest supported one: make test-python-oldest).
CHECKED = {3: "Keras 3.5 to 3.15", 2: "Keras 2.3.1"}

# A tree whose objects cannot all be protected carries this (the entries not found).
UNPROTECTED = "__kswitch_unprotected__"


class Entry(NamedTuple):
    module: str                   # where kswitch takes it
    name: str
    public: Tuple[str, ...] = ()  # in Keras's public API (from `keras`): the same, or what
    #                               covers the same objects
    older: Tuple[str, ...] = ()   # its name in `module` in older supported releases


# Per Keras generation: the bases every object users hold derives from.
BASES = {
    3: (Entry("keras.src.saving.keras_saveable", "KerasSaveable",  # layers, models, optimizers,
              ("layers.Layer", "optimizers.Optimizer", "losses.Loss", "metrics.Metric")),
        Entry("keras.src.callbacks.callback", "Callback", ("callbacks.Callback",)),
        Entry("keras.src.backend.common.keras_tensor", "KerasTensor", ("KerasTensor",)),
        Entry("keras.src.backend.common.variables", "Variable", ("Variable",),
              ("KerasVariable",))),  # Keras 3.5
    2: (Entry("keras.engine.base_layer", "Layer"),  # models and metrics too
        Entry("keras.optimizers", "Optimizer"),
        Entry("keras.losses", "Loss"),
        Entry("keras.callbacks.callbacks", "Callback")),
}

# Module functions that take a model first: keras3's save_model() calls the session's
# keras.saving.save_model() with the model, wherever the model was made.
FUNCTIONS = {
    3: (Entry("keras.src.saving.saving_api", "save_model", ("saving.save_model",)),
        Entry("keras.src.saving.saving_api", "save_weights", ("saving.save_weights",)),
        Entry("keras.src.saving.saving_api", "load_weights", ("saving.load_weights",)),
        Entry("keras.src.models.cloning", "clone_model", ("models.clone_model",)),
        Entry("keras.src.utils.model_visualization", "plot_model", ("utils.plot_model",)),
        Entry("keras.src.utils.model_visualization", "model_to_dot", ("utils.model_to_dot",)),
        Entry("keras.src.saving.serialization_lib", "serialize_keras_object",
              ("saving.serialize_keras_object",))),
    2: (Entry("keras.engine.saving", "save_model"),
        Entry("keras.models", "clone_model"),
        Entry("keras.utils.vis_utils", "plot_model"),
        Entry("keras.utils.vis_utils", "model_to_dot")),
}


class KerasChangedWarning(UserWarning):
    """A Keras internal kswitch reads has moved (R: ``kswitch_warning_keras_changed``)."""

    r_class = "kswitch_warning_keras_changed"


# Warnings for R to raise as conditions (r_call hands them over); None outside R, where they
# are Python warnings.
for_r = None  # type: Any
_told = set()  # (entry, Keras version): once each


def lookup(modules: Dict[str, ModuleType], generation: int, version: str,
           table: Dict[int, Tuple[Entry, ...]], kind: type) -> Tuple[List[Any], List[Entry]]:
    """The objects of ``table``'s entries (internal, else public stand-ins) that are
    ``kind``s, and the entries found in neither place."""
    found, lost = [], []
    for entry in table[generation]:
        internal = next((x for x in (_get(modules, entry.module, n, kind)
                                     for n in (entry.name,) + entry.older) if x is not None), None)
        if internal is not None:
            found.append(internal)
            continue
        public = [x for x in (_public(modules["keras"], p, kind) for p in entry.public)
                  if x is not None]
        moved(entry, version, bool(public))
        found.extend(public)
        if not public:
            lost.append(entry)
    return found, lost


def _get(modules: Dict[str, ModuleType], module: str, name: str, kind: type) -> Any:
    value = getattr(modules.get(module), name, None)
    return value if isinstance(value, kind) else None


def _public(keras: ModuleType, path: str, kind: type) -> Any:
    value = keras  # type: Any
    for part in path.split("."):
        value = getattr(value, part, None)
    return value if isinstance(value, kind) else None


def moved(entry: Entry, version: str, covered: bool) -> None:
    """Say once that ``entry`` is not where kswitch takes it in Keras ``version``."""
    key = (entry, version)
    if key in _told:
        return
    _told.add(key)
    what = "`{}.{}`".format(entry.module, entry.name)
    if covered:
        consequence = ("kswitch uses Keras's public {} instead: objects still run on their own "
                       "backend.".format(", ".join("`keras.{}`".format(p) for p in entry.public)))
    else:
        consequence = ("Objects it covers cannot be kept on their own backend: kswitch refuses "
                       "to switch away from this backend once Keras is imported, rather than "
                       "run them on another.")
    message = "Keras {} no longer has {}, which kswitch reads (checked: {}).".format(
        version, what, ", ".join(CHECKED.values()))
    report = {"classes": [KerasChangedWarning.r_class, "kswitch_warning"], "message": message,
              "bullets": [["i", consequence], [
                  "i", "Please report this with your Keras version."]]}
    if for_r is not None:
        for_r.append(report)
    else:
        warnings.warn(KerasChangedWarning("{}\n{}".format(message, consequence)), stacklevel=3)


def mark_unprotected(keras: ModuleType, lost: List[Entry]) -> None:
    if lost:
        setattr(keras, UNPROTECTED, tuple("{}.{}".format(e.module, e.name) for e in lost))


def check_can_leave(keras: ModuleType, target: str) -> None:
    """Refuse a switch away from a tree whose objects cannot all be protected."""
    lost = getattr(keras, UNPROTECTED, None)
    if lost:
        backend = config_api(keras).backend()
        version = getattr(keras, "__version__", "?")
        raise WrongBackendError(
            "Switching from {} to {} would leave objects made on {} unprotected.".format(
                show(backend), show(target), show(backend)),
            problem="This Keras ({}) has moved {} (checked: {}): kswitch cannot keep those "
                    "objects on their own backend.".format(
                        version, ", ".join(lost), ", ".join(CHECKED.values())),
            fix="Switch in a new session, or use {}.".format(CHECKED[generation(version)]),
            argument="backend", value=target)


def drain() -> List[Dict[str, Any]]:
    """The warnings R has not raised yet."""
    out = list(for_r or ())
    if for_r:
        del for_r[:]
    return out

