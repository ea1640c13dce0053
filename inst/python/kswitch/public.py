"""kswitch for Python: the public functions ``import kswitch`` offers, in Keras's own style.

A thin face over the same rules R calls (api.py): it translates arguments and results, and
rebinds the caller's names for Keras modules (``keras``, ``from keras import layers, ops``)
to the new backend's Keras after a switch. Objects (models, layers, tensors, ...) are never
touched: they keep running on the backend they were made on.

Standard library only; importing it imports neither Keras nor any backend.
"""

import functools
import importlib
import sys
from types import ModuleType
from typing import Any, Callable, Dict, List, Optional

from . import api, registry, switch
from .errors import InvalidArgumentError, show

__all__ = ["use_backend", "backend", "backends", "backend_scope", "carry_model",
           "BackendTable"]


def use_backend(backend: str, persist: bool = False) -> None:
    """Switch Keras in this Python to ``backend``, in place.

    Unlike ``keras.config.set_backend()``, nothing is re-imported when the backend was
    used before in this process (about a millisecond), objects made before the switch keep
    working on their own backend, and the session's settings (epsilon, floatx,
    image_data_format) are kept. The caller's names bound to Keras modules (``keras``,
    ``layers``, ``ops``, ...) are rebound to the new backend's modules.

    The switch is a transaction: if Keras cannot load on ``backend``, the session stays on
    the previous backend, unchanged, and ``SwitchFailedError`` says which package failed.

    Args:
        backend: One of ``"tensorflow"``, ``"jax"``, ``"torch"``, ``"numpy"``,
            ``"openvino"``. Case-sensitive, as in Keras.
        persist: Also write the backend to ``keras.json`` (atomically; its other keys are
            kept), so new sessions start on it. By default only this session switches, as
            with ``keras.config.set_backend()``.

    Raises:
        UnknownBackendError: ``backend`` is not a Keras backend name.
        BackendUnavailableError: the backend's library is not installed here.
        SwitchFailedError: Keras failed to load on ``backend``; nothing changed.
        ConfigError: with ``persist=True``, ``keras.json`` cannot be trusted or written.

    Example:

    >>> import kswitch
    >>> kswitch.use_backend("jax")
    >>> kswitch.backend()
    'jax'
    """
    _python_session()
    _check_flag(persist, "persist")
    api.use_backend(backend, persist=persist)
    rebind(_caller_namespace())


def backend() -> str:
    """The name of the backend Keras runs on, or would run on if imported now.

    Imports nothing: before Keras is imported it reads ``KERAS_BACKEND``, then
    ``keras.json``, as Keras would.

    Raises:
        ConfigError: ``KERAS_BACKEND`` or ``keras.json`` names a backend this Keras cannot
            load.
    """
    _python_session()
    return api.backend()


def backends() -> "BackendTable":
    """The backends of this Python's Keras, one row each.

    Columns: ``backend``, ``installed``, ``version`` (of its library), ``active``,
    ``loaded`` (held by this session: switching to it is instant) and ``trainable`` (can
    ``fit()``). Imports nothing. A notebook shows the rows as a table; elsewhere they print
    as plain text, and each row is a dict.
    """
    columns = api.backends_table()  # this Keras's backends first, then the other generation's
    here = len(registry.GENERATIONS[registry.current_generation()])
    return BackendTable([{c: columns[c][i] for c in BackendTable.COLUMNS} for i in range(here)])


class BackendTable(list):
    """Rows of ``kswitch.backends()``: a list of dicts, shown as a table."""

    COLUMNS = ("backend", "installed", "version", "active", "loaded", "trainable")

    def _cells(self) -> List[List[str]]:
        def cell(value: Any) -> str:
            if value is None:
                return ""
            if isinstance(value, bool):
                return "yes" if value else "no"
            return str(value)
        return [[cell(row[c]) for c in self.COLUMNS] for row in self]

    def __repr__(self) -> str:
        cells = [list(self.COLUMNS)] + self._cells()
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.COLUMNS))]
        return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip()
                         for r in cells)

    def _repr_html_(self) -> str:
        import html
        head = "".join("<th>{}</th>".format(c) for c in self.COLUMNS)
        body = "".join("<tr>{}</tr>".format("".join(
            "<td>{}</td>".format(html.escape(v)) for v in row)) for row in self._cells())
        return "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>".format(head, body)


class backend_scope:
    """A backend (and settings) for a block or a function; the previous ones back after.

    As a context manager or a decorator. Only this session changes, never ``keras.json``;
    the previous backend, settings and ``KERAS_BACKEND`` are put back when the block ends,
    also when it raises. The caller's names for Keras modules follow the switch both ways.

    Args:
        backend: The backend for the scope (None: keep the current one).
        epsilon, floatx, image_data_format: Settings for the scope (None: keep).

    Example:

    >>> with kswitch.backend_scope("torch"):
    ...     model = keras.Sequential([keras.layers.Dense(1)])  # a torch model
    >>> @kswitch.backend_scope("jax", floatx="float64")
    ... def train(): ...
    """

    def __init__(self, backend: Optional[str] = None, *, epsilon: Optional[float] = None,
                 floatx: Optional[str] = None,
                 image_data_format: Optional[str] = None) -> None:
        # Checked now, as R's with_backend() does, so a bad scope fails where it is written.
        _python_session()
        if backend is not None:
            registry.get_backend(backend)
        self._args = {"backend": backend, "epsilon": epsilon, "floatx": floatx,
                      "image_data_format": image_data_format}
        self._states: List[Dict[str, Any]] = []

    def _enter(self, namespace: Optional[Dict[str, Any]]) -> None:
        self._states.append(api.begin_scope(**self._args))
        rebind(namespace)

    def _exit(self, namespace: Optional[Dict[str, Any]]) -> None:
        api.end_scope(self._states.pop())
        rebind(namespace)

    def __enter__(self) -> "backend_scope":
        self._enter(_caller_namespace())
        return self

    def __exit__(self, *exc: Any) -> None:
        self._exit(_caller_namespace())

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def scoped(*args: Any, **kwargs: Any) -> Any:
            self._enter(fn.__globals__)
            try:
                return fn(*args, **kwargs)
            finally:
                self._exit(fn.__globals__)
        return scoped


def carry_model(model: Any, to: str) -> Any:
    """``model``, with its weights, as a new model on backend ``to``.

    Saved in Keras's own format by the Keras that built it and loaded by ``to``'s (nothing
    is pickled; the temporary file is removed). Leaves the session on ``to`` (``keras.json``
    is not written), with the caller's Keras names rebound; on failure the session is put
    back as it was. ``model`` itself stays usable on its own backend.

    Raises:
        InvalidArgumentError: ``model`` is not a Keras model of this session.
        ModelNotBuiltError: ``model`` has no weights yet.
        NotSerializableError: a part of it Keras cannot save, or ``to`` has not registered.
        CarryFailedError: loading it on ``to`` failed.
    """
    _python_session()
    moved = api.carry_model(model, to)["model"]
    rebind(_caller_namespace())
    return moved


def _python_session() -> None:
    """Used from Python itself, not from R (whose Python has reticulate's rpytools loaded and
    names its kind when it binds): the errors' fixes say pip, not install_backends()."""
    if "rpytools" not in sys.modules and registry.SESSION == _DEFAULT_SESSION:
        registry.SESSION.update(kind="python", by="python", python=sys.executable)


_DEFAULT_SESSION = dict(registry.SESSION)


def _check_flag(value: Any, argument: str) -> None:
    if not isinstance(value, bool):
        raise InvalidArgumentError(
            "`{}` must be True or False.".format(argument),
            problem="You supplied {}.".format(show(value)), argument=argument,
            value=value if isinstance(value, (str, int, float)) else None)


def _caller_namespace() -> Dict[str, Any]:
    """The globals of the code that called the public function (a notebook's namespace, a
    script's ``__main__``, a module)."""
    return sys._getframe(2).f_globals


def rebind(namespace: Optional[Dict[str, Any]]) -> List[str]:
    """Point the names in ``namespace`` that hold a Keras module of another backend's tree
    (``keras``, ``keras.layers``, ...) at the same-named module of the active tree; returns
    those names. Anything else (models, tensors, classes) is left alone."""
    if not namespace or not switch.keras_imported():
        return []
    modules, done = sys.modules, []
    for key, value in list(namespace.items()):
        if not isinstance(value, ModuleType):
            continue
        name = getattr(value, "__name__", None)
        if not isinstance(name, str) or not (name == "keras" or name.startswith("keras.")) \
                or modules.get(name) is value:
            continue
        new = modules.get(name)
        if new is None and ".src" not in name:  # a public module this tree has not loaded
            try:
                new = importlib.import_module(name)
            except ImportError:
                new = None
        if new is not None:
            namespace[key] = new
            done.append(key)
    return done
