"""Build or update a Python virtual environment with Keras and chosen backends.

Run as ``python -m kswitch.install --env DIR --backends jax torch``; R's install_backends()
does that in a child process, so installing never binds the R session's Python. Idempotent:
an existing environment is reused and pip skips what is already satisfied.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
from typing import List, Optional, Sequence

from . import backends
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


def requirements(names: Sequence[str], numpy_below_2: bool) -> List[str]:
    specs = [backends.get_backend(n, argument="backends") for n in names]
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
            extra: Sequence[str]) -> str:
    reqs = requirements(names, numpy_below_2) + list(extra)  # validates names before any work
    env = os.path.abspath(os.path.expanduser(env))
    env_python = os.path.join(env, "bin", "python")
    if not os.path.exists(env_python):
        _run([find_python(python), "-m", "venv", env])
    _run([env_python, "-m", "pip", "install", "--disable-pip-version-check"] + reqs)
    return env_python


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kswitch.install")
    parser.add_argument("--env", required=True, help="the environment's directory")
    parser.add_argument("--backends", nargs="+", required=True)
    parser.add_argument("--python", help="interpreter for a new environment")
    parser.add_argument("--numpy-below-2", action="store_true",
                        help="pin numpy<2 (reticulate < 1.38 cannot convert NumPy 2 arrays)")
    parser.add_argument("--extra", nargs="*", default=[], help="more pip requirements")
    parser.add_argument("--error-file", help="write a kswitch error here as JSON")
    args = parser.parse_args(argv)
    try:
        print(install(args.env, args.backends, args.python, args.numpy_below_2, args.extra))
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
