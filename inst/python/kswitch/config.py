"""keras.json: where it is, how it is read (strictly), validated, and rewritten (atomically).

Keras reads this file once, at import, and treats corrupt JSON as "all defaults". kswitch never
does: a file it cannot trust is an error naming the file, the position and the fix, and only
``repair_config()`` (which the user calls) rewrites it, after keeping a backup.

The rules for hostile files and places, one each (RELIABILITY.md lists them with their tests):
KERAS_HOME must be unset or absolute; keras.json must be a regular file (or a symlink to one);
a symlinked keras.json is written through only to a regular file the user owns; a file or
directory without write permission is never replaced; nothing is written outside the file's
own directory except through such a symlink.
"""

import contextlib
import errno
import fcntl
import glob
import json
import math
import os
import shutil
import stat
import time
from typing import Any, Dict, Iterator, Optional

from .errors import ConfigError, InvalidArgumentError, show

# Keras's own defaults, in the key order Keras writes them.
DEFAULTS = {"floatx": "float32", "epsilon": 1e-07, "backend": "tensorflow",
            "image_data_format": "channels_last"}
# The session settings Keras keeps (and reads from the file at import), in this order
# everywhere: scopes, setters, file validation and the R API.
SETTINGS = ("epsilon", "floatx", "image_data_format")
FILE_FLOATX = ("float16", "float32", "float64")          # what Keras accepts in the file
SESSION_FLOATX = ("bfloat16",) + FILE_FLOATX              # what keras.config.set_floatx accepts
IMAGE_DATA_FORMATS = ("channels_last", "channels_first")
MAX_BYTES = 1 << 20  # a keras.json is a few lines; anything this large is not one
REPAIR_MAX_BYTES = 1 << 26  # what repair_config() still tries to salvage keys from
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
    """Where Keras reads keras.json (Keras expands ``~`` in the file path, not in KERAS_HOME).

    An empty or relative KERAS_HOME is an error: Keras would resolve it against the working
    directory, which R's setwd() changes, so the file would silently move with it.
    """
    home = keras_dir()
    if "KERAS_HOME" in os.environ:
        _check_keras_home(home)
    return os.path.expanduser(os.path.join(home, "keras.json"))


def _check_keras_home(home: str) -> None:
    fix = ("Set KERAS_HOME to an absolute path (e.g. in ~/.Renviron, or for one scope with "
           "`kswitch::local_keras_home()`), or unset it to use ~/.keras.")
    if not home:
        raise ConfigError(
            "KERAS_HOME is set but empty.",
            problem="Keras would then read and write keras.json in the working directory "
                    "({}), which changes with setwd().".format(os.getcwd()),
            fix=fix, argument="KERAS_HOME", value=home)
    if not os.path.isabs(os.path.expanduser(home)):
        raise ConfigError(
            "KERAS_HOME is a relative path: {}.".format(show(home)),
            problem="Keras would resolve it against the working directory ({}), which changes "
                    "with setwd().".format(os.getcwd()),
            fix=fix, argument="KERAS_HOME", value=home)


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


def check_setting(setting: str, value: Any, argument: Optional[str] = None,
                  in_file: bool = False) -> Any:
    """``value`` checked (and normalized) for one of SETTINGS; ``in_file`` applies Keras's
    stricter rules for keras.json: no bfloat16, and epsilon must already be a JSON float."""
    argument = argument or setting
    if setting == "floatx":
        return check_floatx(value, argument, in_file)
    if setting == "image_data_format":
        return check_image_data_format(value, argument)
    if setting != "epsilon":
        raise ValueError("not a Keras setting: {!r}".format(setting))
    if in_file and not (isinstance(value, float) and math.isfinite(value) and value > 0):
        raise InvalidArgumentError(
            "`{}` must be a positive, finite JSON float such as 1e-07 (Keras rejects an "
            "integer).".format(argument), problem="Received {}.".format(show(value)),
            argument=argument, value=value)
    return check_epsilon(value, argument)


def check_file_values(config: Dict[str, Any], path: str) -> None:
    """Keras's import-time rules for the values it reads; unknown keys are left alone."""
    try:
        for setting in SETTINGS:
            if setting in config:
                # Keras itself also takes NaN, Infinity and negatives, which break training.
                check_setting(setting, config[setting], in_file=True)
        if "backend" in config and not (isinstance(config["backend"], str)
                                        and config["backend"]):
            raise InvalidArgumentError("`backend` must be a non-empty string.",
                                       problem="Received {}.".format(show(config["backend"])),
                                       argument="backend", value=config["backend"])
    except InvalidArgumentError as e:
        raise ConfigError(
            "{} has a value Keras rejects at import.".format(path),
            problem="{} {}".format(e.message, e.problem),
            fix="Edit the file, set the value with kswitch (e.g. `k_set_floatx(\"float32\", "
                "persist = TRUE)`), or run `kswitch::repair_keras_config()`.",
            argument=e.argument, value=e.value, path=path) from e


REPAIR_FIX = ("Fix the file by hand, or run `kswitch::repair_keras_config()`: it keeps a "
              "backup next to the file and writes a valid one with what can be kept.")


def _check_regular_file(path: str) -> bool:
    """False when there is no file; an error for what is not a regular file (a FIFO would hang
    every reader, a device would never end)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    except OSError as e:
        raise ConfigError("Cannot read the Keras config file {}.".format(path),
                          problem=e.strerror or str(e), fix=_os_fix(e, path), path=path) from e
    if stat.S_ISDIR(st.st_mode):
        raise ConfigError("Cannot read the Keras config file {}.".format(path),
                          problem="It is a directory.",
                          fix=_os_fix(OSError(errno.EISDIR, "Is a directory"), path), path=path)
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError("{} is not a regular file.".format(path),
                          fix="Move it away so Keras can keep its config there.", path=path)
    return True


def _read_bytes(path: str, limit: int) -> Optional[bytes]:
    """Up to ``limit`` + 1 bytes of the file, or None when there is no file."""
    if not _check_regular_file(path):
        return None
    try:
        with open(path, "rb") as f:
            return f.read(limit + 1)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ConfigError("Cannot read the Keras config file {}.".format(path),
                          problem=e.strerror or str(e), fix=_os_fix(e, path), path=path) from e


def _not_json(constant: str) -> None:
    # Python's json reads NaN and Infinity, which JSON has not, and which kswitch could then
    # not write back (it writes strict JSON).
    raise ValueError("{} is not a JSON value.".format(constant))


def _parse(raw: bytes, path: str) -> Dict[str, Any]:
    """The JSON object in ``raw``; a ConfigError says why there is none."""
    if len(raw) > MAX_BYTES:
        raise ConfigError("{} is larger than {} bytes; it is not a Keras config file.".format(
            path, MAX_BYTES), fix=REPAIR_FIX, path=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError("{} is not UTF-8 text.".format(path),
                          problem="Invalid byte at offset {}.".format(e.start), fix=REPAIR_FIX,
                          path=path) from e
    if not text.strip():
        raise ConfigError("{} is empty; Keras would silently use its defaults.".format(path),
                          fix=REPAIR_FIX, path=path)
    try:
        config = json.loads(text, parse_constant=_not_json)
    except ValueError as e:
        problem = "{} at line {}, column {}.".format(e.msg, e.lineno, e.colno) \
            if isinstance(e, json.JSONDecodeError) else str(e)
        raise ConfigError("{} is not valid JSON; Keras would silently use its defaults.".format(
            path), problem=problem, fix=REPAIR_FIX, path=path) from e
    except RecursionError as e:  # deeply nested arrays: not a config, and not a crash
        raise ConfigError("{} is nested too deeply to be a Keras config file.".format(path),
                          fix=REPAIR_FIX, path=path) from e
    if not isinstance(config, dict):
        raise ConfigError("{} must hold a JSON object, not a {}.".format(
            path, type(config).__name__.replace("list", "JSON array")), fix=REPAIR_FIX,
            path=path)
    return config


def read_config(path: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """The file's settings in file order, or None when there is no file. Strict: never guesses."""
    path = path or config_path()
    raw = _read_bytes(path, MAX_BYTES)
    if raw is None:
        return None
    config = _parse(raw, path)
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


def write_target(path: str) -> str:
    """The file a write to ``path`` replaces.

    A symlinked keras.json (dotfile managers do this) is written through to its target, so the
    link stays a link, but only when the target is an existing regular file owned by this user:
    a dangling link, or one to a directory, a device or someone else's file, would turn a
    settings change into a write somewhere the user did not expect.
    """
    if not os.path.islink(path):
        return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
    target = os.path.realpath(path)
    fix = ("Replace the link with a regular file (e.g. copy the target over it), or point the "
           "link at a regular file you own.")
    try:
        st = os.stat(target)
    except OSError as e:
        raise ConfigError("{} is a symlink to {}, which kswitch will not write.".format(
            path, target), problem="The target cannot be used: {}.".format(e.strerror or e),
            fix=fix, path=path) from e
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
        raise ConfigError("{} is a symlink to {}, which kswitch will not write.".format(
            path, target), problem="The target is {}.".format(
                "not a regular file" if not stat.S_ISREG(st.st_mode)
                else "owned by another user (uid {})".format(st.st_uid)),
            fix=fix, path=path)
    return target


def _check_writable(target: str, path: str) -> None:
    """A file or directory without write permission is read-only by intent: never replaced.

    Checked by mode bits as well as access(), because root may write anything and the atomic
    rename would otherwise silently replace a file its owner made read-only.
    """
    for place in (target, os.path.dirname(target)):
        try:
            st = os.stat(place)
        except FileNotFoundError:
            continue
        if not (st.st_mode & 0o222) or not os.access(place, os.W_OK):
            raise ConfigError(
                "Cannot write {}: {} is read-only, and kswitch does not replace it.".format(
                    path, "the file" if place == target else "its directory " + place),
                fix="Make it writable (e.g. `chmod u+w {}`) to save settings, or use "
                    "`persist = FALSE` to change this session only.".format(place),
                path=path)


def check_can_write(path: str) -> None:
    """Refuse now what update_config() would refuse (symlink and read-only rules), so that a
    persisting call fails before it changes the session."""
    _check_writable(write_target(path), path)


def _fsync_directory(directory: str) -> None:
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make a rename or a new file itself durable
    finally:
        os.close(dir_fd)


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
    text = json.dumps(config, indent=4, allow_nan=False) + "\n"
    tmp = os.path.join(directory, "{}{}.{}{}".format(TEMP_PREFIX, os.getpid(),
                                                     os.urandom(4).hex(), TEMP_SUFFIX))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            if mode is not None:
                os.fchmod(f.fileno(), mode)
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _prepare_write(path: str) -> str:
    """The target of a write to ``path``, its directory created (as Keras creates it)."""
    target = write_target(path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    return target


def update_config(updates: Dict[str, Any], path: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """Set ``updates`` in keras.json, keeping every other key and the key order.

    A missing file (and directory) is created with Keras's defaults first. A symlinked file is
    written through to its target (see ``write_target``). Returns the previous contents.
    """
    path = path or config_path()
    try:
        target = _prepare_write(path)
        with _locked(os.path.dirname(target)):
            old = read_config(target)
            new = dict(old) if old is not None else dict(DEFAULTS)
            new.update(updates)
            check_file_values(new, path)
            _check_writable(target, path)
            _write_atomically(target, new)
    except OSError as e:
        raise write_error(path, e) from e
    return old


def write_error(path: str, e: OSError) -> ConfigError:
    """The error for a write of keras.json that the operating system refused."""
    return ConfigError("Cannot write the Keras config file {}.".format(path),
                       problem=e.strerror or str(e), fix=_os_fix(e, path), path=path)


def write_defaults_if_missing() -> None:
    """Before Keras is imported: write the defaults it would write to a missing keras.json.

    Keras writes them itself at import, in place and without a lock, so a process reading the
    file meanwhile can see half of it. The same content written atomically first leaves
    Keras nothing to write. Like Keras, give up silently when it cannot be written.
    """
    try:
        path = config_path()
        if not os.path.lexists(path):
            update_config({}, path)
    except (ConfigError, OSError):
        pass


def _salvage(raw: Optional[bytes]) -> Dict[str, Any]:
    """What repair_config() keeps of a broken file: every valid setting and unknown key."""
    try:
        config = json.loads(raw.decode("utf-8")) if raw else None
    except (ValueError, RecursionError):
        config = None
    if not isinstance(config, dict):
        return {"config": dict(DEFAULTS), "kept": [], "dropped": [], "converted": []}
    kept, dropped, converted = {}, [], []
    for key, value in config.items():
        if key == "epsilon" and not isinstance(value, (float, bool)):
            with contextlib.suppress(TypeError, ValueError):
                value, converted = float(value), converted + [key]  # 1 or "1e-7"
        try:
            check_file_values({key: value}, "")
            json.dumps(value, allow_nan=False)  # NaN or Infinity inside an unknown key
        except (ConfigError, ValueError):
            dropped.append(key)
            continue
        kept[key] = value
    converted = [k for k in converted if k in kept]
    if len(json.dumps(kept, indent=4)) > MAX_BYTES:  # what made it too large is in the backup
        dropped += [k for k in kept if k not in DEFAULTS]
        kept = {k: v for k, v in kept.items() if k in DEFAULTS}
    return {"config": kept, "kept": [k for k in kept if k not in converted],
            "dropped": dropped, "converted": converted}


def _backup(target: str, directory: str) -> str:
    """A byte-for-byte copy of ``target`` as keras.json.bak-<time> in ``directory``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1000):
        backup = os.path.join(directory, "keras.json.bak-{}{}".format(
            stamp, "-{}".format(n) if n else ""))
        try:
            fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as out, open(target, "rb") as src:
            shutil.copyfileobj(src, out)
            out.flush()
            os.fsync(out.fileno())
        shutil.copymode(target, backup)
        _fsync_directory(directory)
        return backup
    raise ConfigError("Too many backups of {} this second.".format(target), path=target)


def _trusted(raw: Optional[bytes], path: str) -> Optional[str]:
    """None when ``raw`` (None: no file) is a file kswitch trusts, else what is wrong with it."""
    if raw is None:
        return None
    try:
        check_file_values(_parse(raw, path), path)
        return None
    except ConfigError as e:
        return e.message + (" " + e.problem if e.problem else "")


def repair_config(path: Optional[str] = None) -> Dict[str, Any]:
    """Back up an untrusted keras.json next to it and write a valid one keeping what can be kept.

    Only ever called on the user's request. A trusted or missing file is left alone; a
    directory, a FIFO, a read-only file or a symlink kswitch may not write is still an error.
    """
    path = path or config_path()
    result = {"path": path, "repaired": False, "backup": None, "problem": None, "kept": [],
              "dropped": [], "converted": []}
    if _trusted(_read_bytes(path, REPAIR_MAX_BYTES), path) is None:
        return result  # nothing to repair (a missing file: Keras's defaults apply)
    try:
        target = write_target(path)
        with _locked(os.path.dirname(target)):
            raw = _read_bytes(target, REPAIR_MAX_BYTES)
            result["problem"] = _trusted(raw, path)
            if result["problem"] is None:
                return result  # another process repaired it meanwhile
            _check_writable(target, path)
            salvaged = _salvage(raw if len(raw) <= REPAIR_MAX_BYTES else None)
            result["backup"] = _backup(target, os.path.dirname(os.path.abspath(path)))
            _write_atomically(target, salvaged.pop("config"))
    except OSError as e:
        raise ConfigError("Cannot repair the Keras config file {}.".format(path),
                          problem=e.strerror or str(e), fix=_os_fix(e, path), path=path) from e
    result.update(salvaged, repaired=True)
    return result
