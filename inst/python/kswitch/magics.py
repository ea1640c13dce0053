"""IPython and Jupyter: the ``%keras_backend`` magics, loaded with ``%load_ext kswitch``.

    %keras_backend                  the backend, and the backends this kernel holds
    %keras_backend jax              switch this kernel (keras.json untouched)
    %keras_backend jax --persist    and write keras.json, for new kernels
    %%keras_backend torch           run one cell on torch; the kernel's backend back after

After a switch the notebook's names bound to Keras modules (``keras``, ``layers``, ``ops``
from ``from keras import layers, ops``...) follow it; models and tensors made before keep
running on their own backend. A kswitch error is one ``UsageError`` line, not a traceback.

Imported only by ``load_ipython_extension()``: ``import kswitch`` never imports IPython.
"""

import ast
import shlex
from typing import Any, List, Optional

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from . import api, public, registry, switch
from .errors import KswitchError

USAGE = "%keras_backend [BACKEND [--persist]]  or  %%keras_backend BACKEND (a cell magic)"


def _one_line(e: KswitchError) -> str:
    """A kswitch error as one line: its message and bullets."""
    return " ".join(str(e).split())


def _parse(line: str, cell: bool) -> "tuple":
    try:
        words = shlex.split(line)
    except ValueError as e:
        raise UsageError("{} ({})".format(USAGE, e)) from None
    persist = "--persist" in words
    rest = [w for w in words if w != "--persist"]
    unknown = [w for w in rest if w.startswith("-")]
    if unknown or len(rest) > 1 or (cell and (persist or not rest)):
        what = "unknown option {}".format(unknown[0]) if unknown else \
            "one backend, no --persist" if cell else "one backend at most"
        raise UsageError("{} ({}).".format(USAGE, what))
    return (rest[0] if rest else None), persist


def status() -> str:
    """What ``%keras_backend`` shows: the backend, where it comes from, and what is loaded."""
    info = api.config_info()
    name = api.backend()
    loaded = switch.loaded_backends()
    source = {"kswitch": "set in this kernel", "KERAS_BACKEND": "from KERAS_BACKEND",
              "keras.json": "from keras.json", "default": "Keras's default"}
    saved = (info.get("file") or {}).get("backend")
    lines = ["Keras backend: {} ({}{})".format(
        name, source.get(info.get("backend_source"), info.get("backend_source")),
        "; keras.json says {}".format(saved) if saved and saved != name else "")]
    lines.append("Loaded in this kernel: {}".format(
        ", ".join(loaded) if loaded else "none (Keras is not imported yet)"))
    here = [b.name for b in registry.GENERATIONS[registry.current_generation()]
            if registry.is_installed(b)]
    lines.append("Installed: {}".format(", ".join(here) or "none"))
    return "\n".join(lines)


@magics_class
class KerasBackendMagics(Magics):
    """``%keras_backend`` and ``%%keras_backend``."""

    @line_cell_magic
    def keras_backend(self, line: str, cell: Optional[str] = None) -> Any:
        """Show or switch the Keras backend of this kernel; as a cell magic, run one cell
        on a backend.

        %keras_backend                  the backend, and the backends this kernel holds
        %keras_backend jax              switch this kernel (keras.json untouched)
        %keras_backend jax --persist    and write keras.json, for new kernels
        %%keras_backend torch           run this cell on torch; the backend back after
        """
        name, persist = _parse(line, cell is not None)
        public._python_session()
        namespace = self.shell.user_ns
        if cell is None and name is None:
            try:
                print(status())
            except KswitchError as e:
                raise UsageError(_one_line(e)) from None
            return None
        if cell is None:
            try:
                api.use_backend(name, persist=persist)
            except KswitchError as e:
                raise UsageError(_one_line(e)) from None
            public.rebind(namespace)
            return None
        try:
            scope = public.backend_scope(name)
            scope._enter(namespace)
        except KswitchError as e:
            raise UsageError(_one_line(e)) from None
        try:
            return self._run(cell)
        finally:
            scope._exit(namespace)

    def _run(self, cell: str) -> Any:
        """Run ``cell`` in the notebook's namespace; the value of its last expression (not
        when it ends with ";"), which IPython shows as the cell's output."""
        code = self.shell.transform_cell(cell)  # magics and !commands inside the cell
        tree = ast.parse(code)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr) \
                and not cell.rstrip().endswith(";"):
            last = ast.Expression(tree.body.pop().value)
        namespace = self.shell.user_ns
        exec(compile(tree, "<%%keras_backend cell>", "exec"), namespace)
        if last is not None:
            return eval(compile(last, "<%%keras_backend cell>", "eval"), namespace)
        return None


def complete(shell: Any, event: Any) -> List[str]:
    """Tab completion after ``%keras_backend``/``%%keras_backend``: backend names, then
    ``--persist``."""
    words = event.line.split()
    typing = not event.line.endswith(" ")
    done = words[1:-1] if typing else words[1:]
    if any(w in registry.NAMES for w in done):
        return ["--persist"] if "--persist" not in done and words[0].startswith("%") \
            and not words[0].startswith("%%") else []
    return list(registry.NAMES)


def load(ipython: Any) -> None:
    ipython.register_magics(KerasBackendMagics)
    for key in ("%keras_backend", "%%keras_backend", "keras_backend"):
        ipython.set_hook("complete_command", complete, str_key=key)


def unload(ipython: Any) -> None:
    manager = ipython.magics_manager
    for kind in ("line", "cell"):
        manager.magics[kind].pop("keras_backend", None)
