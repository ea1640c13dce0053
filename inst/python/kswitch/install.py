"""Build or update a Python virtual environment with Keras and chosen backends.

Run as ``python -m kswitch.install --env DIR --backends jax torch``; R's install_backends()
does that in a child process, so installing never binds the R session's Python. Idempotent:
an existing environment is reused and pip skips what is already satisfied.

Names of multi-backend Keras 2.3.1 ("theano", "cntk", "keras2-tensorflow") go to a second
environment (``--legacy-env``) on Python 3.6, with the fixes measured on this machine: CNTK's
OpenMPI 1.10 sonames pointed at OpenMPI 4 (Debian's libopenmpi3), and Python.h where Theano
looks for it. Each step checks first, so a second run only checks.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

from . import registry
from .errors import InstallError, KswitchError

KERAS3_PYTHONS = ((3, 11), (3, 12), (3, 10))  # Keras 3's range, best first for the CPU wheels


def _python_version(python: str) -> Optional[tuple]:
    code = ("import sys, sysconfig; print(sys.version_info[0], sys.version_info[1], "
            "int(bool(sysconfig.get_config_var('Py_ENABLE_SHARED'))))")
    try:
        out = subprocess.run([python, "-c", code], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, universal_newlines=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    parts = out.stdout.split()
    return tuple(int(p) for p in parts) if out.returncode == 0 and len(parts) == 3 else None


def _candidates() -> List[str]:
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = [sys.executable]
    for major, minor in KERAS3_PYTHONS:
        found += sorted(glob.glob(os.path.join(pyenv, "versions", "{}.{}.*".format(major, minor),
                                               "bin", "python3")), reverse=True)
        found += [p for p in [shutil.which("python{}.{}".format(major, minor))] if p]
    return found


def find_python(requested: Optional[str]) -> str:
    """An embeddable (shared libpython) Python in Keras 3's version range."""
    for python in ([requested] if requested else _candidates()):
        version = _python_version(python)
        if version and version[:2] in KERAS3_PYTHONS and version[2]:
            return python
        if requested:
            raise InstallError(
                "`python` must be an embeddable Python {} for Keras 3.".format(
                    " / ".join("{}.{}".format(*v) for v in KERAS3_PYTHONS)),
                problem="{} is {}.".format(requested, "not runnable" if not version else
                                           "Python {}.{}{}".format(version[0], version[1], "" if
                                               version[2] else " without a shared libpython")),
                fix="Pass another interpreter, e.g. `python = \"~/.pyenv/versions/3.11.7/bin/"
                    "python3\"` (pyenv builds it with PYTHON_CONFIGURE_OPTS=--enable-shared).",
                argument="python", value=requested)
    raise InstallError(
        "No Python suitable for Keras 3 was found.",
        problem="Looked for an embeddable Python {} on PATH and in pyenv.".format(
            " / ".join("{}.{}".format(*v) for v in KERAS3_PYTHONS)),
        fix="Install one (e.g. `pyenv install 3.11`, built with --enable-shared) and pass it as "
            "`python =`.", argument="python")


def split_names(names: Sequence[str]) -> tuple:
    """(Keras 3 backends, Keras 2.3.1 backends); every name is validated before any work."""
    keras3, legacy = [], []
    for name in names:
        if name.startswith(registry.LEGACY_INSTALL_PREFIX) or name in registry.LEGACY_ONLY:
            generation, spec = registry.resolve(name, argument="backends")
            if generation == 2:
                legacy.append(spec)
                continue
        keras3.append(registry.get_backend(name, argument="backends", gen=3).name)
    return keras3, legacy


def requirements(names: Sequence[str], numpy_below_2: bool) -> List[str]:
    specs = [registry.get_backend(n, argument="backends", gen=3) for n in names]
    reqs = ["keras"] + (["numpy<2"] if numpy_below_2 else [])
    reqs += [r for b in specs for r in b.requirements]
    return list(dict.fromkeys(reqs))  # numpy's backend needs jax too: ask pip once


def _run(cmd: List[str]) -> None:
    print("+ " + " ".join(cmd), flush=True)
    status = subprocess.call(cmd)
    if status != 0:
        raise InstallError("A step of the installation failed (exit status {}).".format(status),
                           problem="Command: " + " ".join(cmd),
                           fix="Read pip's output above; then run install_backends() again.")


def install(env: str, names: Sequence[str], python: Optional[str], numpy_below_2: bool,
            extra: Sequence[str], legacy_env: Optional[str] = None) -> List[str]:
    """Install into ``env`` (Keras 3) and/or ``legacy_env`` (Keras 2.3.1); their Pythons."""
    keras3, legacy = split_names(names)
    if keras3 and legacy and python:
        raise InstallError("`python` is ambiguous when installing both Keras generations.",
                           problem="Keras 3 needs Python 3.10-3.12; Keras 2.3.1 needs 3.6.",
                           fix="Call install_backends() once per generation.",
                           argument="python", value=python)
    if legacy and not legacy_env:
        raise InstallError("No environment given for multi-backend Keras 2.3.1.",
                           fix="Pass --legacy-env.", argument="legacy_env")
    pythons = []
    if keras3 or not legacy:
        reqs = requirements(keras3, numpy_below_2) + list(extra)
        env = os.path.abspath(os.path.expanduser(env))
        env_python = os.path.join(env, "bin", "python")
        if not os.path.exists(env_python):
            _run([find_python(python), "-m", "venv", env])
        _run([env_python, "-m", "pip", "install", "--disable-pip-version-check"] + reqs)
        pythons.append(env_python)
    if legacy:
        pythons.append(install_legacy(legacy_env, legacy, python, extra))
    return pythons


def _legacy_candidates() -> List[str]:
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(pyenv, "versions", "{}.{}.*".format(
        *registry.LEGACY_PYTHON), "bin", "python3")), reverse=True)
    return found + [p for p in [shutil.which("python{}.{}".format(*registry.LEGACY_PYTHON))] if p]


def find_legacy_python(requested: Optional[str]) -> str:
    """An embeddable Python 3.6, the last that TensorFlow 1.14, Theano 1.0.4 and CNTK 2.7 share."""
    want = "{}.{}".format(*registry.LEGACY_PYTHON)
    for python in ([requested] if requested else _legacy_candidates()):
        version = _python_version(python)
        if version and version[:2] == registry.LEGACY_PYTHON and version[2]:
            return python
        if requested:
            raise InstallError(
                "`python` must be an embeddable Python {} for Keras 2.3.1.".format(want),
                problem="{} is {}.".format(requested, "not runnable" if not version else
                                           "Python {}.{}".format(version[0], version[1])),
                fix="Install one with `pyenv install 3.6.15` (PYTHON_CONFIGURE_OPTS="
                    "--enable-shared) and pass it as `python =`.",
                argument="python", value=requested)
    raise InstallError(
        "No Python {} was found for multi-backend Keras 2.3.1.".format(want),
        problem="Looked in pyenv ({}) and for python{} on the PATH.".format(
            os.environ.get("PYENV_ROOT") or "~/.pyenv", want),
        fix="Install one with `PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install 3.6.15`, "
            "or pass an embeddable Python {} as `python =`.".format(want), argument="python")


# CNTK 2.7 was linked against OpenMPI 1.10; every MPI symbol it uses exists in OpenMPI 4.
MPI_LINKS = (("libmpi_cxx.so.1", "libmpi_cxx.so.40"), ("libmpi.so.12", "libmpi.so.40"))
MPI_PACKAGE = "libopenmpi3"
LIB_DIRS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib")


def _find_library(soname: str) -> Optional[str]:
    found = [os.path.join(d, soname) for d in LIB_DIRS if os.path.exists(os.path.join(d, soname))]
    return found[0] if found else None


def ensure_mpi() -> Dict[str, str]:
    """OpenMPI 4's libraries, installing the Debian package when missing and root."""
    if not all(_find_library(new) for _, new in MPI_LINKS):
        missing = "CNTK needs OpenMPI's libraries (Debian package {}).".format(MPI_PACKAGE)
        if not shutil.which("apt-get"):
            raise InstallError(missing, problem="No apt-get on this system.",
                               fix="Install OpenMPI 4 (libmpi.so.40 and libmpi_cxx.so.40) with "
                                   "your system's package manager, then run "
                                   "install_backends() again.", value=MPI_PACKAGE)
        if os.geteuid() != 0:
            raise InstallError(missing, problem="Installing it needs root.",
                               fix="Run `sudo apt-get install {}`, then install_backends() "
                                   "again.".format(MPI_PACKAGE), value=MPI_PACKAGE)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", MPI_PACKAGE]
        print("+ " + " ".join(cmd), flush=True)
        if subprocess.call(cmd, env=env) != 0:  # a stale package list: refresh once, retry
            _run(["apt-get", "update", "-q"])
            print("+ " + " ".join(cmd), flush=True)
            if subprocess.call(cmd, env=env) != 0:
                raise InstallError(missing, problem="apt-get could not install it.",
                                   fix="Read apt-get's output above.", value=MPI_PACKAGE)
    return {old: _find_library(new) for old, new in MPI_LINKS}


def _symlink(target: str, link: str) -> None:
    """Make ``link`` point at ``target``, unless it already does."""
    if os.path.islink(link) and os.readlink(link) == target:
        return
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(target, link)


def _satisfied(env_python: str, reqs: Sequence[str]) -> bool:
    check = "import pkg_resources, sys; pkg_resources.require(sys.argv[1:])"
    return subprocess.call([env_python, "-c", check] + list(reqs), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) == 0


def _site_packages(env_python: str) -> str:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return subprocess.check_output([env_python, "-c", code], universal_newlines=True).strip()


def install_legacy(env: str, specs: Sequence[registry.Backend], python: Optional[str],
                   extra: Sequence[str]) -> str:
    env = os.path.abspath(os.path.expanduser(env))
    env_python = os.path.join(env, "bin", "python")
    names = [b.name for b in specs]
    if "cntk" in names:
        libraries = ensure_mpi()  # before pip: fail early, with the package to install
    if not os.path.exists(env_python):
        base = find_legacy_python(python)
        _run([base, "-m", "venv", env])
    version = _python_version(env_python)
    if not version or version[:2] != registry.LEGACY_PYTHON:
        raise InstallError("{} exists but is not a Python {}.{} environment.".format(
            env, *registry.LEGACY_PYTHON), fix="Remove it, or choose another `legacy_envname`.",
            path=env)
    reqs = list(registry.LEGACY_REQUIREMENTS) + [r for b in specs for r in b.requirements] + \
        list(extra)
    reqs = list(dict.fromkeys(reqs))
    if _satisfied(env_python, reqs):
        print("Already installed in {}: {}".format(env, ", ".join(reqs)), flush=True)
    else:
        pip = [env_python, "-m", "pip", "install", "--disable-pip-version-check"]
        _run(pip + ["-U"] + list(registry.LEGACY_TOOLS))
        _run(pip + reqs)
    site = _site_packages(env_python)
    if "cntk" in names:  # CNTK's own libs/ folder is on its library search path
        for old, new in libraries.items():
            _symlink(new, os.path.join(site, "cntk", "libs", old))
    # Under reticulate sys.base_prefix is the venv: Theano compiles against <venv>/include.
    include = subprocess.check_output(
        [env_python, "-c", "import sysconfig; print(sysconfig.get_config_var('INCLUDEPY'))"],
        universal_newlines=True).strip()
    link = os.path.join(env, "include", os.path.basename(include))
    if os.path.realpath(link) != os.path.realpath(include):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        _symlink(include, link)
    return env_python


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kswitch.install")
    parser.add_argument("--env", required=True, help="the environment's directory")
    parser.add_argument("--backends", nargs="+", required=True)
    parser.add_argument("--legacy-env", help="the Keras 2.3.1 environment's directory")
    parser.add_argument("--python", help="interpreter for a new environment")
    parser.add_argument("--numpy-below-2", action="store_true",
                        help="pin numpy<2 (reticulate < 1.38 cannot convert NumPy 2 arrays)")
    parser.add_argument("--extra", nargs="*", default=[], help="more pip requirements")
    parser.add_argument("--error-file", help="write a kswitch error here as JSON")
    parser.add_argument("--result-file", help="write the environments' Pythons here as JSON")
    args = parser.parse_args(argv)
    try:
        pythons = install(args.env, args.backends, args.python, args.numpy_below_2, args.extra,
                          args.legacy_env)
        print("\n".join(pythons))
        if args.result_file:
            with open(args.result_file, "w") as f:
                json.dump(pythons, f)
    except KswitchError as e:
        if args.error_file:  # the caller reports it
            with open(args.error_file, "w") as f:
                json.dump(e.to_dict(), f)
        else:
            print(str(e), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
