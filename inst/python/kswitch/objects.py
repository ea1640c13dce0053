"""Objects run on their own backend: a model, layer, optimizer, loss, metric, callback or
variable made on backend A keeps working while the session is on B.

Keras code imports lazily through ``sys.modules`` at call time, so an object called while
another backend's module tree is active mixes two Kerases and can be damaged for good. Each
tree's classes are therefore marked with the tree they belong to, and their entry points
(``fit``, ``predict``, ``__call__``, ``save``, ...) are wrapped: a call on an object of the
active tree goes straight through; a call on an object of another tree runs with that tree
active and the session's tree back afterwards (``run_on``, from switch.py). Combining objects
of two trees (an optimizer of A in B's ``compile()``, a layer of A added to B's model, A's
tensors into B's layer) is refused before anything changes.

Stdlib only; the Keras classes come from the tree being prepared.
"""

import functools
import inspect
import sys
from itertools import chain
from types import FunctionType, ModuleType
from typing import Any, Callable, Dict, Iterable, Optional

from . import keras_compat
from .errors import WrongBackendError, show
from .registry import config_api

# The attribute that marks a tree's base classes with that tree's ``keras`` module; every
# object of the tree inherits it.
TREE = "__kswitch_keras__"

# The methods users (and the R packages) call on those objects. Methods Keras calls from
# inside these (``call``, ``train_step``, ...) run on the tree already made active.
METHODS = frozenset((
    "__init__", "__call__",
    "fit", "predict", "evaluate", "train_on_batch", "test_on_batch", "predict_on_batch",
    "fit_generator", "evaluate_generator", "predict_generator",
    "compile", "summary", "save", "save_weights", "load_weights", "export", "to_json",
    "to_yaml", "get_weights", "set_weights", "get_config", "get_layer", "build", "add", "pop",
    "count_params", "compute_output_shape", "stateless_call", "quantize", "get_state_tree",
    "set_state_tree",
    "apply_gradients", "apply", "stateless_apply", "minimize", "get_updates",  # optimizers
    "update_state", "result", "reset_state", "reset_states",                    # metrics
    "stateless_update_state", "stateless_result", "stateless_reset_state",
    "assign", "assign_add", "assign_sub", "numpy",                              # variables
    "set_model", "set_params",                                                  # callbacks
))
CALLBACK_PREFIX = "on_"  # on_epoch_end(), on_train_batch_begin(), ...

RunOn = Callable[[ModuleType, Callable[[], Any]], Any]


def tree_of(x: Any) -> Optional[ModuleType]:
    """The ``keras`` module of the tree ``x`` was made in, or None for anything else."""
    return getattr(type(x), TREE, None)


def is_prepared(keras: ModuleType) -> bool:
    return getattr(keras, TREE, None) is keras


def prepare(modules: Dict[str, ModuleType], generation: int, run_on: RunOn) -> None:
    """Mark the tree ``modules`` (module name -> module, ``keras`` among them) and wrap its
    entry points. Idempotent. The bases and functions are keras_compat's: where this Keras
    moved one, its public stand-in (with a warning), or the tree is marked unprotected.
    """
    keras = modules["keras"]
    if is_prepared(keras):
        return
    version = getattr(keras, "__version__", "?")
    bases, lost = keras_compat.lookup(modules, generation, version, keras_compat.BASES, type)
    for base in bases:
        setattr(base, TREE, keras)
        for cls in _subclasses(base):
            _wrap_class(cls, keras, run_on)
        _wrap_future_subclasses(base, keras, run_on)
    functions, lost_functions = keras_compat.lookup(modules, generation, version,
                                                    keras_compat.FUNCTIONS, FunctionType)
    _wrap_functions(modules, functions, keras, run_on)
    keras_compat.mark_unprotected(keras, lost + lost_functions)
    setattr(keras, TREE, keras)


def _subclasses(base: type) -> Iterable[type]:
    seen, todo = set(), [base]
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen.add(cls)
            todo.extend(type.__subclasses__(cls))
    return seen


def _wrap_class(cls: type, keras: ModuleType, run_on: RunOn) -> None:
    """Wrap the entry points ``cls`` defines, and those of the Keras classes outside the marked
    hierarchy it takes them from (Keras 3's models get fit() from a backend's Trainer; those
    are wrapped in place, as Keras compares `Model.compile` with `Trainer.compile`)."""
    for klass in cls.__mro__:
        if klass is not cls and (getattr(klass, TREE, None) is not None
                                 or not klass.__module__.startswith("keras")):
            continue  # a marked class, wrapped as itself; or not Keras's (torch.nn.Module)
        for name, fn in list(vars(klass).items()):
            if (name in METHODS or name.startswith(CALLBACK_PREFIX)) \
                    and isinstance(fn, FunctionType) and not hasattr(fn, "__kswitch_wrapped__") \
                    and _resolve(cls, name) is fn:
                setattr(klass, name, _method(fn, name, keras, run_on))


def _resolve(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name]
    return None


def _wrap_future_subclasses(base: type, keras: ModuleType, run_on: RunOn) -> None:
    """Classes made later (a user's layer, keras3's R classes) get their entry points wrapped
    as they are made."""
    hook = vars(base).get("__init_subclass__")  # a hook of Keras's own: kept

    def __init_subclass__(cls, **kwargs):
        if hook is not None:
            hook.__func__(cls, **kwargs)
        else:
            super(base, cls).__init_subclass__(**kwargs)
        _wrap_class(cls, keras, run_on)

    base.__init_subclass__ = classmethod(__init_subclass__)


def _method(fn: FunctionType, name: str, home: ModuleType, run_on: RunOn) -> Callable:
    """``fn``, a method of a class of the tree ``home``, run on the tree of its object."""
    modules = sys.modules

    @functools.wraps(fn)
    def method(self, *args, **kwargs):
        own = getattr(type(self), TREE, home)
        if own is not home:
            # Another tree's class called with this object (keras3's save_model_weights() runs
            # `keras$Model$save_weights(model)` with the session's Keras): the object's own.
            return getattr(type(self), name)(self, *args, **kwargs)
        foreign = _foreign(home, args, kwargs)
        if foreign is not None:
            raise wrong_backend_error(self, name, foreign)
        if modules.get("keras") is home:  # the hot path: its tree is active
            return fn(self, *args, **kwargs)
        return run_on(home, lambda: fn(self, *args, **kwargs))

    method.__kswitch_wrapped__ = fn
    if name == "__init__":
        # Keras reads constructors' arguments with inspect.getfullargspec(), which does not
        # follow __wrapped__ but takes __signature__ (bound methods would pass it on as is).
        method.__signature__ = inspect.signature(fn)
    return method


def _wrap_functions(modules: Dict[str, ModuleType], functions: Iterable[FunctionType],
                    home: ModuleType, run_on: RunOn) -> None:
    """Wrap ``functions`` and rebind every name the tree's modules give them (keras.saving,
    keras.models, ...)."""
    wrapped = {}
    for fn in functions:
        if not hasattr(fn, "__kswitch_wrapped__"):
            wrapped[id(fn)] = (fn, _function(fn, home, run_on))
    for module in list(modules.values()):
        space = getattr(module, "__dict__", None)
        if not isinstance(space, dict):
            continue
        for key, value in list(space.items()):
            if id(value) in wrapped and wrapped[id(value)][0] is value:
                space[key] = wrapped[id(value)][1]


def _function(fn: FunctionType, home: ModuleType, run_on: RunOn) -> Callable:
    """``fn``, a function of the tree ``home`` taking a model first, run on the model's tree."""
    modules = sys.modules

    @functools.wraps(fn)
    def function(*args, **kwargs):
        own = tree_of(args[0]) if args else None
        if own is not None and own is not home:  # the object's tree has the same function
            return run_on(own, lambda: getattr(modules[fn.__module__], fn.__name__)(
                *args, **kwargs))
        if modules.get("keras") is home:
            return fn(*args, **kwargs)
        return run_on(home, lambda: fn(*args, **kwargs))

    function.__kswitch_wrapped__ = fn
    return function


def _foreign(keras: Optional[ModuleType], args: tuple, kwargs: dict) -> Any:
    """The first argument (or item of a list, tuple or dict argument) made in another tree."""
    if keras is None:
        return None
    for value in chain(args, kwargs.values()):
        kind = type(value)
        if kind is list or kind is tuple or kind is dict:
            for item in (value.values() if kind is dict else value):
                other = getattr(type(item), TREE, None)
                if other is not None and other is not keras:
                    return item
        else:
            other = getattr(kind, TREE, None)
            if other is not None and other is not keras:
                return value
    return None


def describe(x: Any) -> str:
    """An object as a message shows it: its class, name and the backend it was made on."""
    name = getattr(x, "name", None)
    named = " {}".format(show(name)) if isinstance(name, str) else ""
    return "the {}{} (made on {})".format(type(x).__name__, named,
                                          show(backend_of(tree_of(x))))


def backend_of(keras: ModuleType) -> str:
    return config_api(keras).backend()


# Where a method shows in a message.
_DOING = {"__call__": "a call", "__init__": "its making"}


def wrong_backend_error(target: Any, method: str, foreign: Any) -> WrongBackendError:
    own, other = backend_of(tree_of(target)), backend_of(tree_of(foreign))
    doing = _DOING.get(method, "`{}()`".format(method))
    head = "{} cannot take {} (in {}).".format(describe(target), describe(foreign), doing)
    return WrongBackendError(
        head[:1].upper() + head[1:],
        problem="Objects of two Keras backends cannot be combined: each runs on the Keras it "
                "was made in. Nothing was changed.",
        fix="Make the {} again on {} (e.g. inside `with_backend({}, ...)`), or carry the "
            "model to {} with `carry_model()`.".format(
                type(foreign).__name__, show(own), show(own), show(other)),
        argument=method.strip("_"), value=other).surfaced()
