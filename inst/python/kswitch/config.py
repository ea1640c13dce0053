"""keras.json: where it is, how it is read (strictly), validated, and rewritten (atomically).

Keras reads this file once, at import, and treats corrupt JSON as "all defaults". kswitch never
does: a file it cannot trust is an error naming the file, the position and the fix.
"""

import contextlib
import errno
import fcntl
import glob
import json
import math
import os
from typing import Any, Dict, Iterator, Optional

from .errors import ConfigError, InvalidArgumentError, show

# Keras's own defaults, in the key order Keras writes them.
DEFAULTS = {"floatx": "float32", "epsilon": 1e-07, "backend": "tensorflow",
            "image_data_format": "channels_last"}
FILE_FLOATX = ("float16", "float32", "float64")          # what Keras accepts in the file
SESSION_FLOATX = ("bfloat16",) + FILE_FLOATX              # what keras.config.set_floatx accepts
IMAGE_DATA_FORMATS = ("channels_last", "channels_first")
MAX_BYTES = 1 << 20  # a keras.json is a few lines; anything this large is not one
TEMP_PREFIX = ".keras.json."
TEMP_SUFFIX = ".tmp"


def keras_dir() -> str:
    """The directory Keras uses, by Keras's own rule (read from the environment on each call)."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


def config_path() -> str:
    """Where Keras reads keras.json (Keras expands ``~`` in the file path, not in KERAS_HOME)."""
    return os.path.expanduser(os.path.join(keras_dir(), "keras.json"))


def _one_of(value: Any, valid: tuple, argument: str, what: str) -> str:
    if isinstance(value, str) and value in valid:
        return value
    close = [v for v in valid if isinstance(value, str) and v == value.lower()]
    raise InvalidArgumentError(
        "`{}` must be one of {}.".format(argument, ", ".join(show(v) for v in valid)),
        problem="{} is not a valid {}{}.".format(
            show(value), what, " (names are case-sensitive)" if close else ""),
        fix="Did you mean {}?".format(show(close[0])) if close else None,
        argument=argument, value=value)


def check_floatx(value: Any, argument: str = "floatx", in_file: bool = False) -> str:
    return _one_of(value, FILE_FLOATX if in_file else SESSION_FLOATX, argument, "float type")


def check_image_data_format(value: Any, argument: str = "data_format") -> str:
    return _one_of(value, IMAGE_DATA_FORMATS, argument, "image data format")


def check_epsilon(value: Any, argument: str = "e") -> float:
    """A positive finite number, returned as a float (Keras rejects an integer in the file)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and math.isfinite(value) and value > 0:
        return float(value)
    raise InvalidArgumentError(
        "`{}` must be a positive, finite number.".format(argument),
        problem="Received {}.".format(show(value)),
        valid="Keras's default is 1e-07; typical values are 1e-08 to 1e-03.",
        argument=argument, value=value)


def check_file_values(config: Dict[str, Any], path: str) -> None:
    """Keras's import-time rules for the values it reads; unknown keys are left alone."""
    checks = (("floatx", lambda v, a: check_floatx(v, a, in_file=True)),
              ("image_data_format", check_image_data_format))
    try:
        for key, check in checks:
            if key in config:
                check(config[key], key)
        if "epsilon" in config and not isinstance(config["epsilon"], float):
            raise InvalidArgumentError(
                "`epsilon` must be a JSON float such as 1e-07 (Keras rejects an integer).",
                problem="Received {}.".format(show(config["epsilon"])), argument="epsilon",
                value=config["epsilon"])
        if "backend" in config and not (isinstance(config["backend"], str)
                                        and config["backend"]):
            raise InvalidArgumentError("`backend` must be a non-empty string.",
                                       problem="Received {}.".format(show(config["backend"])),
                                       argument="backend", value=config["backend"])
    except InvalidArgumentError as e:
        raise ConfigError(
            "{} has a value Keras rejects at import.".format(path),
            problem="{} {}".format(e.message, e.problem),
            fix="Edit the file, or set the value with kswitch (e.g. `k_set_floatx(\"float32\", "
                "persist = TRUE)`).",
            argument=e.argument, value=e.value, path=path) from e


def read_config(path: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """The file's settings in file order, or None when there is no file. Strict: never guesses."""
    path = path or config_path()
    fix = "Fix the file by hand, or delete it to start again from Keras's defaults."
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ConfigError("Cannot read the Keras config file {}.".format(path),
                          problem=e.strerror or str(e), fix=_os_fix(e, path), path=path) from e
    if len(raw) > MAX_BYTES:
        raise ConfigError("{} is larger than {} bytes; it is not a Keras config file.".format(
            path, MAX_BYTES), fix=fix, path=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError("{} is not UTF-8 text.".format(path),
                          problem="Invalid byte at offset {}.".format(e.start), fix=fix,
                          path=path) from e
    if not text.strip():
        raise ConfigError("{} is empty; Keras would silently use its defaults.".format(path),
                          fix=fix, path=path)
    try:
        config = json.loads(text)
    except ValueError as e:
        where = "line {}, column {}".format(e.lineno, e.colno) if hasattr(e, "lineno") else ""
        raise ConfigError("{} is not valid JSON; Keras would silently use its defaults.".format(
            path), problem="{} at {}.".format(getattr(e, "msg", str(e)), where), fix=fix,
            path=path) from e
    if not isinstance(config, dict):
        raise ConfigError("{} must hold a JSON object, not a {}.".format(
            path, type(config).__name__.replace("list", "JSON array")), fix=fix, path=path)
    check_file_values(config, path)
    return config


def _os_fix(e: OSError, path: str) -> str:
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "Make {} writable, or point KERAS_HOME at a writable directory.".format(path)
    if e.errno == errno.EISDIR:
        return "{} is a directory: move it away so Keras can keep its config there.".format(path)
    return "Check the path, or point KERAS_HOME at a directory you own."


@contextlib.contextmanager
def _locked(directory: str) -> Iterator[None]:
    """An exclusive inter-process lock on the config directory itself (no lock file left over)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write_atomically(target: str, config: Dict[str, Any]) -> None:
    """Temp file in the same directory, fsync, rename over the target: readers see old or new."""
    directory = os.path.dirname(target)
    # Under the lock, temp files can only be left by writers that died mid-write.
    for stale in glob.glob(os.path.join(glob.escape(directory), TEMP_PREFIX + "*" + TEMP_SUFFIX)):
        with contextlib.suppress(OSError):
            os.unlink(stale)
    try:
        mode = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = None  # a new file gets the umask's permissions, as Keras would give it
    tmp = os.path.join(directory, "{}{}.{}{}".format(TEMP_PREFIX, os.getpid(),
                                                     os.urandom(4).hex(), TEMP_SUFFIX))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            if mode is not None:
                os.fchmod(f.fileno(), mode)
            f.write(json.dumps(config, indent=4) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)


def update_config(updates: Dict[str, Any], path: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """Set ``updates`` in keras.json, keeping every other key and the key order.

    A missing file (and directory) is created with Keras's defaults first. A symlinked file is
    written through to its target, so the link stays a link. Returns the previous contents.
    """
    path = path or config_path()
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    try:
        os.makedirs(directory, exist_ok=True)
        with _locked(directory):
            old = read_config(target)
            new = dict(old) if old is not None else dict(DEFAULTS)
            new.update(updates)
            check_file_values(new, path)
            _write_atomically(target, new)
    except OSError as e:
        raise ConfigError("Cannot write the Keras config file {}.".format(path),
                          problem=e.strerror or str(e), fix=_os_fix(e, path), path=path) from e
    return old
