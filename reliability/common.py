"""Shared by the reliability suites: paths, a temp root they always remove, child processes."""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PYTHON_DIR = os.path.join(REPO, "inst", "python")
PYTHON = sys.executable
sys.path.insert(0, PYTHON_DIR)


@contextlib.contextmanager
def temp_root(name):
    """A private directory for one suite, removed afterwards whatever happens."""
    root = tempfile.mkdtemp(prefix="kswitch-reliability-{}-".format(name))
    try:
        yield root
    finally:
        for dirpath, dirnames, _ in os.walk(root):  # undo chmods so everything can go
            for d in dirnames:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(dirpath, d), 0o700)
        shutil.rmtree(root, ignore_errors=True)


def child_env(keras_home, **extra):
    """The environment of a child Python: kswitch importable, quiet TensorFlow, no caches in ~."""
    env = dict(os.environ, KERAS_HOME=keras_home, PYTHONPATH=PYTHON_DIR,
               PYTHONDONTWRITEBYTECODE="1", TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("KERAS_BACKEND", None)
    env.pop("LD_LIBRARY_PATH", None)  # R's would make the child load Debian's libpython
    env.update(extra)
    return env


def run_child(args, env, timeout, cwd=None):
    """Run a child Python script; its last stdout line is its JSON result."""
    out = subprocess.run([PYTHON] + args, env=env, cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout)
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        raise RuntimeError("child {} failed ({}):\n{}".format(args, out.returncode,
                                                               out.stderr[-3000:]))
    return json.loads(lines[-1])


def report(suite, result, started):
    """Print a suite's result as one JSON line (run.py collects these) and return its status."""
    result = dict(result, suite=suite, seconds=round(time.time() - started, 1))
    print(json.dumps(result))
    return 0 if result["ok"] else 1
