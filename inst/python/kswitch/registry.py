"""The backend registry: which backends exist, whether each is installed, and its version.

Nothing here imports a backend library: presence comes from the import system's finders,
versions from package metadata. The registry is also the allowlist: a name not in it is never
turned into an import.
"""

import difflib
import importlib.util
import os
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
    session's Python has generation ``gen``."""
    needs = other(gen)
    return BackendElsewhereError(
        "The {} backend{} needs {}, but this R session's Python has {} ({}).".format(
            show(name), " named in " + source if source else "", label(needs), label(gen),
            session_python()),
        problem="One R session binds one Python, and {} lives in another environment.".format(
            label(needs)),
        valid=rebind_fix(name, needs),
        fix="Or run that code in a separate R process (callr::r(), or compare_backends(isolate = "
            "\"process\")).",
        argument=argument, value=name)


# What reticulate's managed Python is asked for before a switch (``py_require()``): what
# keras3 1.5.1's own use_backend(backend, gpu) requests at start-up (its R/install.R), per
# operating system as keras3 names it (get_os(): "Windows", "macOS" for Apple silicon, else
# "Linux") and gpu, so a request never conflicts with keras3's. keras3 also removes the other
# backends' requirements ("last one wins"); kswitch does not: a switch needs both trees.
# tests/testthat/test-managed-parity.R runs keras3's use_backend() for every backend, gpu and
# OS and compares. keras3's files (its constraints, and the override that keeps "tensorflow"
# from replacing "tensorflow-cpu") are named where keras3 is installed and has them.
PYTORCH_INDEX = "https://download.pytorch.org/whl"
# A mirror of PyTorch's wheel index (same layout: <mirror>/cpu, <mirror>/cu129), for machines
# that cannot reach it; the tests point it at a local index of the CPU wheel.
PYTORCH_INDEX_MIRROR = "KSWITCH_PYTORCH_INDEX_MIRROR"
KERAS3_CONSTRAINTS = "keras-constraints.txt"
KERAS3_TF_CPU_OVERRIDE = "never-tensorflow-override.txt"
TORCH = ("torch", "torchvision", "torchaudio")
# Backends keras3 1.5.1 requests nothing for (openvino): kswitch adds its package, or the
# switch could not work.
KSWITCH_EXTRA = {"openvino": ("openvino",)}


class Request(NamedTuple):
    packages: Tuple[str, ...]
    append: Tuple[Tuple[str, str], ...]  # (variable, entry): appended, space-separated, once
    set: Tuple[Tuple[str, str], ...]     # (variable, value)


def keras3_os(system: Optional[str] = None, machine: Optional[str] = None) -> str:
    """keras3's get_os(): "Windows", "macOS" (arm64 only) or "Linux" (everything else)."""
    system = system or platform.system()
    machine = machine or platform.machine()
    if system == "Windows":
        return "Windows"
    return "macOS" if system == "Darwin" and machine == "arm64" else "Linux"


_gpu: Optional[bool] = None


def has_gpu() -> bool:
    """keras3's has_gpu(): on Linux, an NVIDIA device listed by lspci or nvidia-smi -L."""
    global _gpu
    if _gpu is None:
        _gpu = platform.system() == "Linux" and (
            "nvidia" in _command_output(["lspci"]).lower()
            or any(line.startswith("GPU ") and ":" in line
                   for line in _command_output(["nvidia-smi", "-L"]).splitlines()))
    return _gpu


def _command_output(cmd: List[str]) -> str:
    import subprocess
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              universal_newlines=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def keras3_request(name: str, os_name: str, gpu: Optional[bool] = None,
                   keras3_dir: Optional[str] = None) -> Request:
    """What keras3's use_backend(``name``, ``gpu``) requests on ``os_name`` (keras3_os());
    ``gpu`` None is keras3's NA: has_gpu() on Linux, FALSE elsewhere."""
    packages: List[str] = []
    append: List[Tuple[str, str]] = []
    setenv: List[Tuple[str, str]] = []
    mirror = os.environ.get(PYTORCH_INDEX_MIRROR, "").rstrip("/") or PYTORCH_INDEX

    def keras3_file(variable: str, file: str) -> None:
        path = os.path.join(keras3_dir or "", file)
        if keras3_dir and os.path.isfile(path):  # keras3 1.4.0 has neither file
            append.append((variable, path))

    def tensorflow_cpu() -> None:
        if os_name == "Linux":
            packages.append("tensorflow-cpu")
            keras3_file("UV_OVERRIDE", KERAS3_TF_CPU_OVERRIDE)
        else:
            packages.append("tensorflow")

    keras3_file("UV_CONSTRAINT", KERAS3_CONSTRAINTS)
    if gpu is None:
        gpu = has_gpu() if os_name == "Linux" else False
    if os_name == "macOS":
        packages += {"tensorflow": ["tensorflow"] + (["tensorflow-metal"] if gpu else []),
                     "jax": ["tensorflow", "jax"] + (["jax-metal"] if gpu else []),
                     "torch": ["tensorflow"] + list(TORCH),
                     "numpy": ["tensorflow", "numpy", "jax[cpu]"]}.get(name, [])
    elif os_name == "Windows":
        if name == "torch" and gpu:
            append.append(("UV_INDEX", mirror + "/cu129"))
        packages += {"tensorflow": ["tensorflow", "numpy<2"], "jax": ["tensorflow", "jax"],
                     "torch": ["tensorflow"] + list(TORCH),
                     "numpy": ["tensorflow", "numpy", "jax[cpu]"]}.get(name, [])
    elif name == "tensorflow":
        if gpu:
            packages.append("tensorflow[and-cuda]")
        else:
            tensorflow_cpu()
    elif name in ("jax", "torch", "numpy"):
        tensorflow_cpu()
        if name == "jax" and gpu:
            setenv.append(("XLA_PYTHON_CLIENT_MEM_FRACTION", "1.00"))
            packages.append("jax[cuda12]!=0.6.1")
        elif name == "jax":
            packages.append("jax[cpu]")
        elif name == "torch":
            if not gpu:
                append.append(("UV_INDEX", mirror + "/cpu"))
            packages += TORCH
        else:
            packages += ["numpy", "jax[cpu]"]
    return Request(tuple(packages), tuple(append), tuple(setenv))


def bare_name(requirement: str) -> str:
    """The distribution name of a requirement string: "jax[cpu]" -> "jax"."""
    name = requirement.strip()
    for stop in "[=<>!~ ;@":
        name = name.split(stop, 1)[0]
    return name.lower().replace("_", "-")


def managed_request(name: str, gpu: Optional[bool] = None, declared: Tuple[str, ...] = (),
                    keras3_dir: Optional[str] = None, os_name: Optional[str] = None
                    ) -> Dict[str, Any]:
    """What to request of a managed Python before switching to ``name``: keras3's request
    (and Keras, which keras3 declares when it loads), leaving out packages already
    ``declared`` under any spelling (reticulate only adds packages it does not have; a second
    "jax" beside "jax[cpu]" is a conflict). Plain data for R."""
    backend = get_backend(name, gen=3)
    request = keras3_request(backend.name, os_name or keras3_os(), gpu, keras3_dir)
    have = {bare_name(r) for r in declared}
    wanted = ("keras",) + request.packages + KSWITCH_EXTRA.get(backend.name, ())
    packages = [r for r in dict.fromkeys(wanted) if bare_name(r) not in have]
    return {"packages": packages,
            "append": [list(a) for a in request.append], "set": [list(s) for s in request.set]}


def request_failed(name: str, requirements: List[str], reason: str,
                   argument: str = "backend", retry: Optional[str] = None
                   ) -> BackendUnavailableError:
    """The error for a managed Python that could not add ``requirements`` for ``name``;
    ``reason`` is uv's own, ``retry`` what to do again, as the user wrote it ("call
    `use_backend("jax", gpu = TRUE)`")."""
    return BackendUnavailableError(
        "The {} backend could not be added to reticulate's managed Python.".format(show(name)),
        problem="`reticulate::py_require({})` failed. uv said: {}".format(
            ", ".join(show(r) for r in requirements), reason.strip() or "no reason given"),
        valid="Nothing changed: the session, KERAS_BACKEND, keras.json and py_require()'s "
              "list are as they were.",
        fix="Fix what uv reports (a package index uv can reach: UV_INDEX, UV_FIND_LINKS; a "
            "Python version the packages support), then {} again.".format(
                retry or "call `use_backend({})`".format(show(name))),
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


# The Python R binds, as R's python_choice() names it: ``kind`` (python_kind(): "managed",
# "kswitch", "RETICULATE_PYTHON", "use_python", "VIRTUAL_ENV", "project", "other"), who chose
# it (``by``: those names, or "default" where reticulate fell back to a default and kswitch
# bound its environment) and ``python``, its path or description. R sets it once, and passes
# it to a child Python asked before the session's starts. The errors' fixes follow it. Kind
# "python" is kswitch used from Python itself (public.py, outside R): its fixes say pip.
SESSION: Dict[str, Optional[str]] = {"kind": "kswitch", "by": "default", "python": None}


def session_python() -> str:
    return SESSION["python"] or sys.executable


def install_fix(backend: Backend, keras_too: bool = False) -> str:
    """How to get ``backend`` (and, with ``keras_too``, Keras 3) into this kind of Python."""
    kind = SESSION["kind"]
    keras = ("keras",) if keras_too else ()
    them = "them" if keras_too else "it"
    if kind == "python":
        return "Install {} into this Python with `{} -m pip install {}`, then switch again.".format(
            them, sys.executable, " ".join(keras + backend.modules))
    if kind == "managed" and backend.generation == 3:
        requirements = managed_request(backend.name)["packages"]
        return ("Request it of reticulate's managed Python with `reticulate::py_require(c({}))` "
                "(kswitch requests it itself when it switches), then switch again.".format(
                    ", ".join(show(r) for r in requirements)))
    if kind == "kswitch" or not backend.requirements:
        return 'Install it with `kswitch::install_backends("{}")`, then restart R.'.format(
            backend.name)
    return ("Install {} into this Python ({}) with `reticulate::py_install(c({}))`, then "
            "switch again.".format(them, session_python(),
                                   ", ".join(show(r) for r in keras + tuple(backend.requirements))))


def reinstall_fix(package: str, missing: bool = False) -> str:
    """How to install the Python package ``package`` (``missing``) or reinstall it (broken at
    import) in this kind of Python: its backend's way where a Keras 3 backend owns it."""
    owner = [b for b in KERAS3 if b.modules[0] == package]
    verb = "Install" if missing else "Reinstall"
    kind = SESSION["kind"]
    if kind == "python":
        return "{} it with `{} -m pip install {}{}`".format(
            verb, sys.executable, "" if missing else "--force-reinstall ", package)
    if owner and kind == "kswitch":
        return '{} it with `kswitch::install_backends("{}")`'.format(verb, owner[0].name)
    if owner and kind == "managed" and missing:
        return install_fix(owner[0]).rstrip(".")
    if kind == "managed":
        return ("Clear uv's cache entry for it (`uv cache clean {}`) and restart R: reticulate's "
                "managed Python is rebuilt from it".format(package))
    requirements = owner[0].requirements if owner else (package,)
    return "{} it in this Python ({}) with `reticulate::py_install(c({}))`".format(
        verb, session_python(), ", ".join(show(r) for r in requirements))


def rebind_fix(name: str, needs: int) -> str:
    """How a new R session gets the environment of generation ``needs`` for ``name``, given
    who chose this session's Python: the user's choice is theirs to change."""
    legacy = needs == 2
    how = 'call `use_backend("{}")` first'.format(name)
    install = ' (install it once with `kswitch::install_backends("{}")`)'.format(name)
    by = SESSION["by"]
    if by == "RETICULATE_PYTHON":
        return ("RETICULATE_PYTHON names this Python. Unset it{} and start a new R session, "
                "then {}{}.".format(
                    " (or set it to kswitch's Keras 2.3.1 environment's Python)" if legacy else "",
                    how, install))
    if by == "use_python":
        return ("A `reticulate::use_python()`/`use_virtualenv()`/`use_condaenv()` call with "
                "`required = TRUE` (or RETICULATE_PYTHON_ENV) chose this Python: start a new R "
                "session without it, then {}{}.".format(how, install))
    if by == "VIRTUAL_ENV":
        return ("The activated virtualenv (VIRTUAL_ENV) is this Python: start R outside it "
                "(`deactivate` first), then {}{}.".format(how, install))
    if by == "project":
        return ("This project's own Python environment (./.venv, poetry or pipenv) is this "
                "Python: start R outside the project directory, or set RETICULATE_PYTHON to "
                "another Python, then {}{}.".format(how, install))
    if by == "managed":
        return ("RETICULATE_PYTHON=\"managed\" (or RETICULATE_USE_MANAGED_VENV) chose "
                "reticulate's managed Python, which has Keras 3 only: unset it, start a new R "
                "session, then {}{}.".format(how, install))
    return "Start a new R session and {}: kswitch then binds that environment{}.".format(
        how, install)


def require_installed(backend: Backend, argument: str = "backend") -> None:
    missing = missing_modules(backend)
    if missing:
        # Where Keras 3 itself is missing too (a Python nobody set up for Keras), installing
        # the backend's library alone would only lead to the next error.
        keras_too = backend.generation == 3 and keras_version() is None
        raise BackendUnavailableError(
            "The {} backend is not installed in this Python ({}).".format(
                show(backend.name), session_python()),
            problem="Python cannot find {}.".format(
                ", ".join(show(m) for m in (["keras"] if keras_too else []) + list(missing))),
            fix=install_fix(backend, keras_too), argument=argument, value=backend.name)


def installed_here() -> Dict[str, Any]:
    """This Python's Keras and, per backend of its generation, [installed, version]."""
    return {"keras": keras_version(), "python": sys.executable,
            "backends": {b.name: [is_installed(b), distribution_version(b.distributions)]
                         for b in GENERATIONS[current_generation()]}}


def keras_version() -> Optional[str]:
    return distribution_version(("keras",))
