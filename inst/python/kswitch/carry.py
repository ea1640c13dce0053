"""Carrying a model to another backend of the same Python, in Keras's own file format.

A model belongs to the Keras module tree it was built on (see switch.py). It is saved while
its own tree is active (Keras's saving code imports from sys.modules as it goes) and loaded
with the target's tree: Keras 3 writes a ``.keras`` file, multi-backend Keras 2.3.1 an HDF5
file; nothing is pickled, and the temporary directory is removed whatever happens. api.py
runs the whole move as one transaction.
"""

import json
import os
import re
import shutil
import tempfile
import zipfile
from types import ModuleType
from typing import Any, Callable, List, Optional

from . import registry, switch
from .errors import (
    CarryFailedError,
    InvalidArgumentError,
    ModelNotBuiltError,
    NotSerializableError,
    show,
)

FILE_NAME = {3: "model.keras", 2: "model.h5"}
REGISTER = {
    3: "Give its class a get_config() that returns its constructor's arguments, and register "
       "it: in R `keras3::register_keras_serializable(MyLayer, package = \"mine\")`, in Python "
       "`@keras.saving.register_keras_serializable(package=\"mine\")`.",
    2: "Give its class a get_config() that returns its constructor's arguments, and register "
       "it: `keras.utils.get_custom_objects()[\"MyLayer\"] = MyLayer` in Python.",
}


def _class_name(x: Any) -> str:
    return "{}.{}".format(type(x).__module__, type(x).__qualname__)


def model_backend(model: Any) -> str:
    """The backend of the Keras that built ``model``; an error unless it is a built model of a
    Keras this session holds (active or parked)."""
    held = switch.trees()
    for name, keras in held:
        if isinstance(model, keras.Model):
            if not getattr(model, "built", False):
                raise ModelNotBuiltError(
                    "`model` is not built yet, so it has no weights to carry.",
                    problem="The model {} ({}, on {}) was never given an input shape.".format(
                        show(model.name), _class_name(model), show(name)),
                    fix="Build it first: give it an input shape (keras3: "
                        "`keras_model_sequential(input_shape = ...)` or `keras_input()`), or "
                        "call it on data (`predict()`, `fit()`).",
                    argument="model")
            return name
    layer = [name for name, keras in held if isinstance(model, keras.layers.Layer)]
    problem = "You supplied a Keras layer ({}, on {}), not a model.".format(
        _class_name(model), show(layer[0])) if layer else \
        "You supplied a {} object, not a model of any Keras this session holds ({}).".format(
            _class_name(model), ", ".join(show(name) for name, _ in held) or "none imported")
    raise InvalidArgumentError(
        "`model` must be a Keras model made in this session.", problem=problem,
        valid="A model made with keras3 (e.g. `keras_model_sequential()`), keras or "
              "`keras_module()`.", argument="model")


def move(model: Any, keras: ModuleType, to: str, switch_to: Callable[[], ModuleType],
         directory: Optional[str] = None) -> Any:
    """Save ``model`` with its own Keras (``keras``, active now), make the target's Keras
    active with ``switch_to()`` and load the model there."""
    gen = registry.generation(keras.__version__)
    auto_jit = _auto_jit_compile(model)
    tmp = tempfile.mkdtemp(prefix="kswitch-carry-", dir=directory)
    try:
        path = os.path.join(tmp, FILE_NAME[gen])
        _save(model, keras, path)
        loaded = _load(path, switch_to(), to)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    # Keras saves jit_compile as resolved on the source ("auto" is True on jax); its own
    # default there becomes the target's default (True on torch would mean torch.compile).
    if auto_jit is not None and getattr(model, "jit_compile", None) == auto_jit \
            and getattr(loaded, "compiled", False):
        loaded.jit_compile = _auto_jit_compile(loaded)
    return loaded


def _auto_jit_compile(model: Any) -> Optional[bool]:
    """What ``jit_compile="auto"`` means for a compiled Keras 3 model on its backend."""
    resolve = getattr(model, "_resolve_auto_jit_compile", None)  # Keras 3's own rule
    return resolve() if resolve is not None and getattr(model, "compiled", False) else None


def _save(model: Any, keras: ModuleType, path: str) -> None:
    gen = registry.generation(keras.__version__)
    try:
        model.save(path)
    except Exception as e:
        part = _failing_layer(model, keras)
        where = "its layer {} ({})".format(show(part.name), _class_name(part)) if part \
            else "the model {}".format(show(model.name))
        raise NotSerializableError(
            "Keras cannot save {}, so the model cannot be carried.".format(where),
            problem="{}: {}".format(type(e).__name__, str(e).strip().splitlines()[0][:400]),
            fix=REGISTER[gen], argument="model") from e


def _failing_layer(model: Any, keras: ModuleType) -> Any:
    """The first layer (depth first) Keras cannot serialize, or None."""
    serialize = keras.saving.serialize_keras_object \
        if registry.generation(keras.__version__) == 3 else keras.layers.serialize
    for layer in getattr(model, "layers", []):
        inner = _failing_layer(layer, keras)
        if inner is not None:
            return inner
        try:
            serialize(layer)
        except Exception:  # the layer's own get_config() fails: this one
            return layer
    return None


def _load(path: str, keras: ModuleType, to: str) -> Any:
    gen = registry.generation(keras.__version__)
    missing = _unregistered(path, keras) if gen == 3 else []
    if missing:
        raise _not_registered(missing, to, gen)
    try:
        if gen == 2:
            return keras.models.load_model(path)
        # The file is this session's own, written a moment ago from the caller's model: the
        # guard against untrusted files (Lambda layers' code) has nothing to guard here.
        return keras.saving.load_model(path, safe_mode=False)
    except Exception as e:
        unknown = re.match(r"Unknown [\w ]+: (\S+)", str(e))  # Keras 2.3.1's "Unknown layer: X"
        if unknown:
            raise _not_registered([unknown.group(1)], to, gen) from None
        raise CarryFailedError(
            "Loading the model on {} failed; the session is back as it was.".format(show(to)),
            problem="{}: {}".format(type(e).__name__, str(e).strip().splitlines()[0][:400]),
            argument="model") from e


def _not_registered(missing: List[str], to: str, gen: int) -> NotSerializableError:
    return NotSerializableError(
        "The model uses {} that the {} backend's Keras has not registered.".format(
            ", ".join(show(m) for m in missing), show(to)),
        problem="Each backend's Keras has its own classes and registry: a custom class made "
                "on one backend is not known on another.",
        fix="Switch with `use_backend(\"{}\", persist = FALSE)`, run the definition and "
            "registration of {} again there, then carry the model. {}".format(
                to, ", ".join(missing), REGISTER[gen]),
        argument="model", value=missing[0])


def _unregistered(path: str, keras: ModuleType) -> List[str]:
    """The custom objects a ``.keras`` file names that ``keras``'s registry does not have."""
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json").decode("utf-8"))
    names: List[str] = []
    pending = [config]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            name = node.get("registered_name")
            if name and not str(node.get("module") or "").startswith("keras"):
                names.append(node["config"] if name == "function" else name)  # a function
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    known = keras.saving.get_custom_objects()
    return sorted({n for n in names if isinstance(n, str) and n not in known})
