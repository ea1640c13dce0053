"""The backend registry: which backends exist, whether each is installed, and its version.

Nothing here imports a backend library: presence comes from the import system's finders,
versions from package metadata. The registry is also the allowlist: a name not in it is never
turned into an import.
"""

import difflib
import importlib.util
import sys
from typing import List, NamedTuple, Optional, Tuple

from .errors import BackendUnavailableError, UnknownBackendError, show


class Backend(NamedTuple):
    name: str
    modules: Tuple[str, ...]         # what Keras imports for this backend, library first
    distributions: Tuple[str, ...]   # pip distributions that provide it, for its version
    trainable: bool                  # can Keras fit() models on it
    requirements: Tuple[str, ...]    # what install_backends() asks pip for


KERAS3 = (
    Backend("tensorflow", ("tensorflow",), ("tensorflow", "tensorflow-cpu", "tensorflow-intel",
                                         "tf-nightly"), True, ("tensorflow-cpu",)),
    Backend("jax", ("jax",), ("jax",), True, ("jax",)),
    # The CPU wheel: an unpinned torch pulls gigabytes of CUDA packages.
    Backend("torch", ("torch",), ("torch",), True, ("torch==2.13.0",)),
    # Keras's numpy backend also imports scipy and jax, which Keras itself does not require.
    Backend("numpy", ("numpy", "scipy", "jax"), ("numpy",), False, ("scipy", "jax")),
    Backend("openvino", ("openvino",), ("openvino",), False, ("openvino",)),
)
REGISTRY = {b.name: b for b in KERAS3}
NAMES = tuple(REGISTRY)


def get_backend(name: str, argument: str = "backend") -> Backend:
    """The registry entry for ``name``; an UnknownBackendError names the valid ones."""
    if name in REGISTRY:
        return REGISTRY[name]
    miscased = [n for n in NAMES if n == str(name).lower()]
    close = miscased or difflib.get_close_matches(str(name).lower(), NAMES, n=1)
    fix = 'Did you mean {}?'.format(show(close[0])) if close else None
    raise UnknownBackendError(
        "`{}` must be a Keras backend name.".format(argument),
        problem="{} is not a Keras backend{}.".format(
            show(name), " (names are case-sensitive)" if miscased else ""),
        valid="Valid backends: {}.".format(", ".join(show(n) for n in NAMES)),
        fix=fix, argument=argument, value=name)


def _findable(module: str) -> bool:
    if module in sys.modules:
        return True
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing_modules(backend: Backend) -> List[str]:
    return [m for m in backend.modules if not _findable(m)]


def is_installed(backend: Backend) -> bool:
    return not missing_modules(backend)


def distribution_version(names: Tuple[str, ...]) -> Optional[str]:
    """The version of the first installed distribution among ``names``, without importing it."""
    try:
        from importlib import metadata
    except ImportError:  # Python < 3.8 (the legacy Keras 2 environments)
        metadata = None
    for name in names:
        try:
            if metadata is not None:
                return metadata.version(name)
            import pkg_resources
            return pkg_resources.get_distribution(name).version
        except Exception:  # not installed under this name: try the next one
            continue
    return None


def require_installed(backend: Backend, argument: str = "backend") -> None:
    missing = missing_modules(backend)
    if missing:
        raise BackendUnavailableError(
            "The {} backend is not installed in this Python ({}).".format(
                show(backend.name), sys.executable),
            problem="Python cannot find {}.".format(", ".join(show(m) for m in missing)),
            fix='Install it with `kswitch::install_backends("{}")`, then restart R.'.format(
                backend.name),
            argument=argument, value=backend.name)


def keras_version() -> Optional[str]:
    return distribution_version(("keras",))
