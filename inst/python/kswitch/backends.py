"""The backend registry: which backends exist, whether each is installed, and its version.

Nothing here imports a backend library: presence comes from the import system's finders,
versions from package metadata. The registry is also the allowlist: a name not in it is never
turned into an import.
"""

import difflib
import importlib.util
import platform
import sys
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from .errors import BackendElsewhereError, BackendUnavailableError, UnknownBackendError, show


class Backend(NamedTuple):
    name: str
    modules: Tuple[str, ...]         # what Keras imports for this backend, library first
    distributions: Tuple[str, ...]   # pip distributions that provide it, for its version
    trainable: bool                  # can Keras fit() models on it
    requirements: Tuple[str, ...]    # what install_backends() asks pip for
    generation: int = 3              # the Keras generation that has it: 3, or 2 (Keras 2.3.1)
    # (module, function, keyword arguments) that compile a function to a graph
    graph: Optional[Tuple[str, str, Tuple[Tuple[str, Any], ...]]] = None


KERAS3 = (
    Backend("tensorflow", ("tensorflow",), ("tensorflow", "tensorflow-cpu", "tensorflow-intel",
                                         "tf-nightly"), True, ("tensorflow-cpu",),
            # AutoGraph cannot convert R code, and would leave its files in the temp dir.
            graph=("tensorflow", "function", (("autograph", False),))),
    Backend("jax", ("jax",), ("jax",), True, ("jax",), graph=("jax", "jit", ())),
    # The CPU wheel: an unpinned torch pulls gigabytes of CUDA packages.
    Backend("torch", ("torch",), ("torch",), True, ("torch==2.13.0",)),
    # Keras's numpy backend also imports scipy and jax, which Keras itself does not require.
    Backend("numpy", ("numpy", "scipy", "jax"), ("numpy",), False, ("scipy", "jax")),
    Backend("openvino", ("openvino",), ("openvino",), False, ("openvino",)),
)
# Multi-backend Keras 2.3.1 (the 2019 tutorials' generation), in its own Python 3.6
# environment: Keras 2.3.1 imports TensorFlow 1.14 whatever the backend, so every entry needs it.
LEGACY = (
    Backend("tensorflow", ("tensorflow",), ("tensorflow",), True, ("tensorflow==1.14.0",),
            generation=2),
    Backend("theano", ("theano",), ("Theano",), True, ("theano==1.0.4",), generation=2),
    # CNTK's wheel is 2.7.post2 but calls itself 2.7: a range pip and the metadata both accept.
    Backend("cntk", ("cntk",), ("cntk",), True, ("cntk>=2.7,<2.8",), generation=2),
)
LEGACY_PYTHON = (3, 6)
LEGACY_TOOLS = ("pip<22", "setuptools<60", "wheel<0.38")  # the last that build for Python 3.6
LEGACY_REQUIREMENTS = ("keras==2.3.1", "tensorflow==1.14.0", "numpy>=1.16,<1.17",
                       "scipy<1.5", "h5py<3")
LEGACY_INSTALL_PREFIX = "keras2-"  # install_backends("keras2-tensorflow"): TF 1.14 for Keras 2.3.1
GENERATIONS = {3: KERAS3, 2: LEGACY}
REGISTRY = {b.name: b for b in KERAS3}
NAMES = tuple(REGISTRY)
LEGACY_ONLY = tuple(b.name for b in LEGACY if b.name not in REGISTRY)
ALL_NAMES = NAMES + LEGACY_ONLY


# The Keras generation: 3 (Keras 3) or 2 (multi-backend Keras 2.3.1). One R session binds one
# Python, which has one generation; these helpers are the only rules about it.

def generation(keras_version: Optional[str]) -> Optional[int]:
    """The generation of a Keras version string (None for no Keras)."""
    if not keras_version:
        return None
    try:
        return 2 if int(keras_version.split(".")[0]) < 3 else 3
    except ValueError:
        return 3


def current_generation() -> int:
    """The generation of this Python's Keras (imported, else installed); 3 without Keras."""
    keras = sys.modules.get("keras")
    if keras is not None:
        return generation(getattr(keras, "__version__", None)) or 3
    return _installed_generation()


# The installed Keras's generation, by the sys.path it was found on: reading a distribution's
# metadata costs about a millisecond, and before Keras is imported every call asks. (A new
# sys.path entry, e.g. a managed Python's new layer, could hold another Keras: ask again.)
_installed: Optional[Tuple[Tuple[str, ...], int]] = None  # (sys.path, generation)


def _installed_generation() -> int:
    global _installed
    path = tuple(sys.path)
    if _installed is None or _installed[0] != path:
        _installed = (path, generation(keras_version()) or 3)
    return _installed[1]


def generation_of(name: str) -> Optional[int]:
    """Which generation a new session must bind for ``name``: 3 unless only 2.3.1 has it."""
    if name in REGISTRY:
        return 3
    return 2 if name in LEGACY_ONLY else None


def lives_elsewhere(name: str, gen: int) -> bool:
    """A known backend that generation ``gen`` does not have (the other one does)."""
    return name in ALL_NAMES and name not in (b.name for b in GENERATIONS[gen])


def config_api(keras: Any) -> Any:
    """Where Keras keeps backend() and the settings: keras.config, or keras.backend in Keras 2."""
    return keras.backend if generation(keras.__version__) == 2 else keras.config


def other(gen: int) -> int:
    return 2 if gen == 3 else 3


def label(gen: int) -> str:
    return "Keras 3" if gen == 3 else "multi-backend Keras 2.3.1"


def get_backend(name: str, argument: str = "backend", gen: Optional[int] = None) -> Backend:
    """The registry entry for ``name`` in this Python's generation (or generation ``gen``).

    A name only the other generation has is a BackendElsewhereError saying how to get it; any
    other name is an UnknownBackendError naming the valid ones.
    """
    gen = gen or current_generation()
    here = {b.name: b for b in GENERATIONS[gen]}
    if name in here:
        return here[name]
    if lives_elsewhere(name, gen):
        raise elsewhere_error(name, gen, argument)
    miscased = [n for n in ALL_NAMES if n == str(name).lower()]
    close = miscased or difflib.get_close_matches(str(name).lower(), ALL_NAMES, n=1)
    fix = 'Did you mean {}?'.format(show(close[0])) if close else None
    raise UnknownBackendError(
        "`{}` must be a Keras backend name.".format(argument),
        problem="{} is not a Keras backend{}.".format(
            show(name), " (names are case-sensitive)" if miscased else ""),
        valid="Valid backends: {} (Keras 3); {} (multi-backend Keras 2.3.1).".format(
            ", ".join(show(n) for n in NAMES), ", ".join(show(n) for n in LEGACY_ONLY)),
        fix=fix, argument=argument, value=name)


def resolve(name: str, argument: str = "backend") -> Tuple[int, Backend]:
    """A backend of either generation, for what runs outside this Python (install, a
    process-isolated comparison): ``(generation, entry)``. Names of this Python's generation
    win; "theano"/"cntk", or "keras2-<name>" (e.g. "keras2-tensorflow" for TensorFlow 1.14),
    name multi-backend Keras 2.3.1's."""
    legacy = {b.name: b for b in LEGACY}
    if name.startswith(LEGACY_INSTALL_PREFIX) and name[len(LEGACY_INSTALL_PREFIX):] in legacy:
        return 2, legacy[name[len(LEGACY_INSTALL_PREFIX):]]
    gen = current_generation()
    if lives_elsewhere(name, gen):
        gen = other(gen)
    return gen, get_backend(name, argument, gen=gen)


def elsewhere_error(name: str, gen: int, argument: str = "backend",
                    source: Optional[str] = None) -> BackendElsewhereError:
    """The one error for ``name`` living in the other generation's environment, while this
    Python has generation ``gen``."""
    needs = other(gen)
    return BackendElsewhereError(
        "The {} backend{} needs {}, but this R session's Python has {} ({}).".format(
            show(name), " named in " + source if source else "", label(needs), label(gen),
            sys.executable),
        problem="One R session binds one Python, and {} lives in another environment.".format(
            label(needs)),
        valid='Start a new R session and call `use_backend("{}")` first: kswitch then binds '
              'that environment (install it once with `kswitch::install_backends("{}")`).'.format(
                  name, name),
        fix="Or run that code in a separate R process (callr::r(), or compare_backends(isolate = "
            "\"process\")).",
        argument=argument, value=name)


# What reticulate's managed Python is asked for (``py_require()``) per backend: exactly the
# strings keras3 1.5.1's use_backend() requires (its R/install.R), so a request never
# conflicts with what keras3 already declared. Keyed by (platform, gpu); Linux CPU is the
# build kswitch supports (keras3 also adds "tensorflow-cpu" beside every Linux backend).
MANAGED_REQUIREMENTS = {
    ("Linux", False): {
        "tensorflow": ("tensorflow-cpu",),
        "jax": ("tensorflow-cpu", "jax[cpu]"),
        "torch": ("tensorflow-cpu", "torch", "torchvision", "torchaudio"),
        "numpy": ("tensorflow-cpu", "numpy", "jax[cpu]"),
        "openvino": ("tensorflow-cpu", "openvino"),
    },
    ("Linux", True): {
        "tensorflow": ("tensorflow[and-cuda]",),
        "jax": ("tensorflow-cpu", "jax[cuda12]!=0.6.1"),
        "torch": ("tensorflow-cpu", "torch", "torchvision", "torchaudio"),
        "numpy": ("tensorflow-cpu", "numpy", "jax[cpu]"),
        "openvino": ("tensorflow-cpu", "openvino"),
    },
    ("Darwin", False): {
        "tensorflow": ("tensorflow",),
        "jax": ("tensorflow", "jax"),
        "torch": ("tensorflow", "torch", "torchvision", "torchaudio"),
        "numpy": ("tensorflow", "numpy", "jax[cpu]"),
        "openvino": ("tensorflow", "openvino"),
    },
    ("Windows", False): {
        "tensorflow": ("tensorflow",),
        "jax": ("tensorflow", "jax"),
        "torch": ("tensorflow", "torch", "torchvision", "torchaudio"),
        "numpy": ("tensorflow", "numpy", "jax[cpu]"),
        "openvino": ("tensorflow", "openvino"),
    },
}


def bare_name(requirement: str) -> str:
    """The distribution name of a requirement string: "jax[cpu]" -> "jax"."""
    name = requirement.strip()
    for stop in "[=<>!~ ;@":
        name = name.split(stop, 1)[0]
    return name.lower().replace("_", "-")


def managed_requirements(name: str, system: str, gpu: bool = False,
                         declared: Tuple[str, ...] = ()) -> List[str]:
    """What to request of a managed Python for backend ``name`` on ``system`` (platform.system()
    names), leaving out a package already ``declared`` under any spelling (reticulate only
    adds packages it does not have; a second "jax" beside "jax[cpu]" is a conflict)."""
    backend = get_backend(name, gen=3)
    table = (MANAGED_REQUIREMENTS.get((system, gpu)) or MANAGED_REQUIREMENTS.get((system, False))
             or MANAGED_REQUIREMENTS[("Linux", False)])
    have = {bare_name(r) for r in declared}
    # Keras itself: keras3 declares it when it loads; kswitch alone must.
    return [r for r in ("keras",) + table[backend.name] if bare_name(r) not in have]


def request_failed(name: str, requirements: List[str], reason: str,
                   argument: str = "backend") -> BackendUnavailableError:
    """The error for a managed Python that could not add ``requirements`` for ``name``."""
    return BackendUnavailableError(
        "The {} backend could not be added to reticulate's managed Python.".format(show(name)),
        problem="`reticulate::py_require({})` failed: {}".format(
            ", ".join(show(r) for r in requirements), reason.strip() or "no reason given"),
        valid="Nothing changed: the session, KERAS_BACKEND and keras.json are as they were.",
        fix="Check that uv can reach its package index (or set UV_FIND_LINKS / UV_INDEX), "
            "then call `use_backend({})` again.".format(show(name)),
        argument=argument, value=name)


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


# The kind of Python R bound (R's python_kind(): "managed", "kswitch", "RETICULATE_PYTHON",
# "other"), set by R once the core is imported.
python_kind = "kswitch"


def install_fix(backend: Backend) -> str:
    """How to get ``backend`` into this kind of Python."""
    if python_kind == "managed" and backend.generation == 3:
        requirements = managed_requirements(backend.name, platform.system())
        return ("Request it of reticulate's managed Python with `reticulate::py_require(c({}))` "
                "(kswitch requests it itself when it switches), then switch again.".format(
                    ", ".join(show(r) for r in requirements)))
    if python_kind == "kswitch" or not backend.requirements:
        return 'Install it with `kswitch::install_backends("{}")`, then restart R.'.format(
            backend.name)
    return ("Install it into this Python with `reticulate::py_install(c({}))`, or use "
            'kswitch\'s own environment: `kswitch::install_backends("{}")`, then restart R.'
            .format(", ".join(show(r) for r in backend.requirements), backend.name))


def require_installed(backend: Backend, argument: str = "backend") -> None:
    missing = missing_modules(backend)
    if missing:
        raise BackendUnavailableError(
            "The {} backend is not installed in this Python ({}).".format(
                show(backend.name), sys.executable),
            problem="Python cannot find {}.".format(", ".join(show(m) for m in missing)),
            fix=install_fix(backend), argument=argument, value=backend.name)


def installed_here() -> Dict[str, Any]:
    """This Python's Keras and, per backend of its generation, [installed, version]."""
    return {"keras": keras_version(), "python": sys.executable,
            "backends": {b.name: [is_installed(b), distribution_version(b.distributions)]
                         for b in GENERATIONS[current_generation()]}}


def keras_version() -> Optional[str]:
    return distribution_version(("keras",))
