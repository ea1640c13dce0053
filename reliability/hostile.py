"""Suite 4: hostile and broken configuration, each with its defined behaviour.

Every case is set up afresh for each of three operations, all through kswitch's R entry points
(api.r_call): reading (keras_config()), a persisting write (use_backend("jax")), and
repair_keras_config(). The observed outcome must be the defined one; an error must be a
kswitch_error_config naming the file (or KERAS_HOME) and a fix; after an error nothing in the
case's directory (config directory, working directory, symlink targets) may have changed, so
there is never a silent reset and never a write elsewhere. A repair must keep a byte-for-byte
backup next to the file and leave a file kswitch trusts. Unknown backend names are also
imported in a fresh Python: a classed error, and use_backend("jax") still works.
"""

import os
import stat
import sys
import time

import common  # noqa: F401  (puts kswitch on sys.path)
from common import child_env, report, run_child, temp_root

OK, ERROR, REPAIRED, NOTHING = "ok", "error", "repaired", "nothing to repair"


def text(content):
    def setup(home, work):
        os.makedirs(home)
        with open(os.path.join(home, "keras.json"), "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode())
    return setup


def directory(home, work):
    os.makedirs(os.path.join(home, "keras.json"))


def fifo(home, work):
    os.makedirs(home)
    os.mkfifo(os.path.join(home, "keras.json"))


def symlink_to(kind):
    def setup(home, work):
        os.makedirs(home)
        target = os.path.join(work, "dotfiles", "keras.json")
        os.makedirs(os.path.dirname(target))
        if kind in ("own", "other user"):
            with open(target, "w") as f:
                f.write('{"backend": "tensorflow", "mine": 1}')
            if kind == "other user":
                os.chown(target, 65534, 65534)
        elif kind == "device":
            target = os.devnull
        elif kind == "loop":
            target = os.path.join(home, "keras.json")
        os.symlink(target, os.path.join(home, "keras.json"))
    return setup


def read_only_file(home, work):
    text('{"backend": "tensorflow"}')(home, work)
    os.chmod(os.path.join(home, "keras.json"), 0o444)


def read_only_directory(home, work):
    text('{"backend": "tensorflow"}')(home, work)
    os.chmod(home, 0o555)


def missing_directory(home, work):
    pass


def keras_home_is_file(home, work):
    with open(home, "w") as f:
        f.write("not a directory")


# name, setup, KERAS_HOME as set (None: the case's directory), expected outcome of
# (read, write, repair), and whether Keras 3 is imported from the file too.
CASES = [
    ("corrupt JSON", text('{"backend": "jax",,}'), None, (ERROR, ERROR, REPAIRED)),
    ("a JSON array", text("[1, 2]"), None, (ERROR, ERROR, REPAIRED)),
    ("epsilon as a string", text('{"epsilon": "1e-7", "mine": 1}'), None,
     (ERROR, ERROR, REPAIRED)),
    ("epsilon as an integer", text('{"epsilon": 1}'), None, (ERROR, ERROR, REPAIRED)),
    ("epsilon NaN", text('{"epsilon": NaN, "backend": "jax"}'), None, (ERROR, ERROR, REPAIRED)),
    ("NaN in an unknown key", text('{"mine": [NaN], "backend": "jax"}'), None,
     (ERROR, ERROR, REPAIRED)),
    ("floatx Keras rejects", text('{"floatx": "bfloat16"}'), None, (ERROR, ERROR, REPAIRED)),
    ("backend not a string", text('{"backend": 3}'), None, (ERROR, ERROR, REPAIRED)),
    ("not UTF-8", text(b'{"backend": "\xff"}'), None, (ERROR, ERROR, REPAIRED)),
    ("nested 100000 deep", text("[" * 100000 + "]" * 100000), None, (ERROR, ERROR, REPAIRED)),
    ("an empty file", text(""), None, (ERROR, ERROR, REPAIRED)),
    ("a huge file (2 MB)", text('{"backend": "jax", "junk": "' + "x" * 2000000 + '"}'), None,
     (ERROR, ERROR, REPAIRED)),
    ('Keras 2 backend "theano"', text('{"backend": "theano"}'), None, (OK, OK, NOTHING)),
    ('unknown backend "foo"', text('{"backend": "foo"}'), None, (OK, OK, NOTHING)),
    ("keras.json is a directory", directory, None, (ERROR, ERROR, ERROR)),
    ("keras.json is a FIFO", fifo, None, (ERROR, ERROR, ERROR)),
    ("symlink to a regular file you own", symlink_to("own"), None, (OK, OK, NOTHING)),
    ("dangling symlink", symlink_to("missing"), None, (OK, ERROR, NOTHING)),
    ("symlink to another user's file", symlink_to("other user"), None, (OK, ERROR, NOTHING)),
    ("symlink to a device (/dev/null)", symlink_to("device"), None, (ERROR, ERROR, ERROR)),
    ("symlink loop", symlink_to("loop"), None, (ERROR, ERROR, ERROR)),
    ("read-only file", read_only_file, None, (OK, ERROR, NOTHING)),
    ("read-only directory", read_only_directory, None, (OK, ERROR, NOTHING)),
    ("missing directory", missing_directory, None, (OK, OK, NOTHING)),
    ("KERAS_HOME is a file", keras_home_is_file, None, (ERROR, ERROR, ERROR)),
    ("KERAS_HOME empty", missing_directory, "", (ERROR, ERROR, ERROR)),
    ("KERAS_HOME relative", missing_directory, "keras-home", (ERROR, ERROR, ERROR)),
    ("KERAS_HOME with ~", missing_directory, "~/kh", (OK, OK, NOTHING)),
]
# The error class importing Keras 3 gives for each: a Keras 2 backend says how to get it.
UNKNOWN_BACKEND_CASES = {'Keras 2 backend "theano"': "kswitch_error_backend_elsewhere",
                         'unknown backend "foo"': "kswitch_error_config"}


def snapshot(root):
    """Everything under root, by path: type, mode, owner and bytes (or link target)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    content = f.read()
            elif stat.S_ISLNK(st.st_mode):
                content = os.readlink(p)
            else:
                content = None
            out[p] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, content)
    return out


def operate(op):
    from kswitch import api, switch
    os.environ.pop("KERAS_BACKEND", None)
    switch._set_by_kswitch = None
    if op == "read":
        out = api.r_call("config_info")
        if out["error"] is None and out["value"]["file_error"]:
            return ERROR, {"classes": ["kswitch_error_config"],
                           "text": out["value"]["file_error"]}, out["value"]
        return (ERROR if out["error"] else OK), _error(out["error"]), out["value"]
    if op == "write":
        out = api.r_call("use_backend", "jax", persist=True)
        os.environ.pop("KERAS_BACKEND", None)
        return (ERROR if out["error"] else OK), _error(out["error"]), out["value"]
    out = api.r_call("repair_config")
    if out["error"]:
        return ERROR, _error(out["error"]), None
    return (REPAIRED if out["value"]["repaired"] else NOTHING), None, out["value"]


def _error(e):
    if e is None:
        return None
    return {"classes": e["classes"], "text": "\n".join([e["message"]] + [b[1] for b in
                                                                          e["bullets"]])}


def run_case(root, index, case):
    from kswitch import config
    name, setup, keras_home, expected = case
    outcomes, failures, notes = [], [], []
    for op, want in zip(("read", "write", "repair"), expected):
        work = os.path.join(root, "case-%d-%s" % (index, op))
        os.makedirs(work)
        home = os.path.join(work, "keras-home")
        setup(home, work)
        os.environ["KERAS_HOME"] = home if keras_home is None else keras_home
        os.environ["HOME"] = os.path.join(work, "user-home")
        os.chdir(work)
        path = os.path.join(home, "keras.json")
        if keras_home == "~/kh":
            path = os.path.join(work, "user-home", "kh", "keras.json")
        before = snapshot(work)
        started = time.time()
        got, error, value = operate(op)
        seconds = time.time() - started
        after = snapshot(work)
        outcomes.append(got)
        changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
        if got != want:
            failures.append("{}: {} instead of {} ({})".format(
                op, got, want, (error or {}).get("text", "")[:200]))
        if seconds > 10:
            failures.append("{} took {:.0f} s".format(op, seconds))
        if error:
            if error["classes"][0] != "kswitch_error_config":
                failures.append("{}: error class {}".format(op, error["classes"][0]))
            named = path if keras_home is None else "KERAS_HOME"
            if named not in error["text"]:
                failures.append("{}: error does not name {}".format(op, named))
            if len(error["text"].splitlines()) < 2:
                failures.append("{}: error gives no fix".format(op))
            if changed:
                failures.append("{}: failed but changed {}".format(op, changed))
            notes.append("{}: {}".format(op, error["text"].splitlines()[0]))
        if got == OK and op == "write":
            allowed = {path, os.path.dirname(path), os.path.realpath(path),
                       os.path.join(work, "user-home"), os.path.dirname(os.path.dirname(path))}
            outside = [p for p in changed if p not in allowed]
            if outside:
                failures.append("write changed {} outside the config file".format(outside))
            if config.read_config(path).get("backend") != "jax":
                failures.append("write did not land in {}".format(path))
            if os.path.islink(path) != (before.get(path, (0,))[0] == stat.S_IFLNK):
                failures.append("write turned the symlink into a file")
        if got == REPAIRED:
            backup = value["backup"]
            if os.path.dirname(backup) != os.path.dirname(path):
                failures.append("backup {} not next to the file".format(backup))
            with open(backup, "rb") as f:
                if before[path][3] != f.read():
                    failures.append("backup differs from the original")
            config.read_config(path)  # must now be trusted
            outside = [p for p in changed if p not in (path, backup)]
            if outside:
                failures.append("repair changed {}".format(outside))
            notes.append("repair kept {}, converted {}, dropped {}".format(
                value["kept"] or "nothing", value["converted"] or "nothing",
                value["dropped"] or "nothing"))
    if name in UNKNOWN_BACKEND_CASES:
        failures += import_unknown_backend(root, index, case)
    return {"case": name, "read": outcomes[0], "write": outcomes[1], "repair": outcomes[2],
            "failures": failures, "notes": notes}


def import_unknown_backend(root, index, case):
    """In a fresh Python: importing Keras from the file is a classed error; jax still works."""
    work = os.path.join(root, "case-%d-import" % index)
    home = os.path.join(work, "keras-home")
    case[1](home, work)
    code = ("import json; from kswitch import api\n"
            "e = api.r_call('keras_module')['error']\n"
            "api.use_backend('jax', persist=False)\n"
            "print(json.dumps({'class': e['classes'][0], 'text': str(e), "
            "'after': api.keras_module().config.backend()}))")
    out = run_child(["-c", code], child_env(home), timeout=300)
    failures = []
    if out["class"] != UNKNOWN_BACKEND_CASES[case[0]] or os.path.join(home, "keras.json") not in \
            out["text"] or "use_backend(" not in out["text"]:
        failures.append("import: {} {}".format(out["class"], out["text"][:200]))
    if out["after"] != "jax":
        failures.append("use_backend('jax') did not work after the error")
    return failures


def security_checks(root):
    """Backend names are an allowlist; no shell runs user text; modes are kept."""
    from kswitch import api, config
    checks = {}
    trap = os.path.join(root, "trap")
    os.makedirs(trap)
    marker = os.path.join(root, "imported")
    with open(os.path.join(trap, "kswitch_trap.py"), "w") as f:
        f.write("open({!r}, 'w').close()\n".format(marker))
    sys.path.insert(0, trap)
    home = os.path.join(root, "security-home")
    os.environ["KERAS_HOME"] = home
    try:
        for name in ("kswitch_trap", "os", "subprocess", "jax; rm -rf ~", "../jax"):
            out = api.r_call("use_backend", name, persist=True)
            checks["use_backend({!r}) refused".format(name)] = (
                out["error"] is not None
                and out["error"]["classes"][0] == "kswitch_error_backend_unknown")
        os.environ["KERAS_BACKEND"] = "kswitch_trap"
        out = api.r_call("keras_module")
        checks["KERAS_BACKEND=kswitch_trap refused"] = out["error"] is not None
        os.environ.pop("KERAS_BACKEND")
        config.update_config({"backend": "kswitch_trap"}, os.path.join(home, "keras.json"))
        out = api.r_call("keras_module")
        checks['keras.json "backend": "kswitch_trap" refused'] = out["error"] is not None
        checks["no module imported from a name"] = (not os.path.exists(marker)
                                                    and "kswitch_trap" not in sys.modules)
        path = os.path.join(home, "keras.json")
        os.chmod(path, 0o600)
        config.update_config({"backend": "jax"}, path)
        checks["file mode 0600 kept on write"] = stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        sys.path.remove(trap)
        os.environ.pop("KERAS_BACKEND", None)
    # No shell: neither the R layer nor the Python core can start one.
    shell_calls = []
    for folder, patterns in (("R", ("system(", "system2(", "shell(", "pipe(")),
                             (os.path.join("inst", "python", "kswitch"),
                              ("shell=True", "os.system", "os.popen", "pty.spawn"))):
        for name in os.listdir(os.path.join(common.REPO, folder)):
            with open(os.path.join(common.REPO, folder, name)) as f:
                code = f.read()
            shell_calls += ["{}: {}".format(name, p) for p in patterns if p in code]
    checks["no shell call in R/ or inst/python ({})".format(
        ", ".join(shell_calls) or "none found")] = not shell_calls
    return [{"check": c, "ok": ok} for c, ok in checks.items()]


def main():
    started = time.time()
    saved = {k: os.environ.get(k) for k in ("KERAS_HOME", "HOME", "KERAS_BACKEND")}
    cwd = os.getcwd()
    try:
        with temp_root("hostile") as root:
            cases = [run_case(root, i, c) for i, c in enumerate(CASES)]
            os.chdir(cwd)
            security = security_checks(root)
    finally:
        os.chdir(cwd)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    failed = [c for c in cases if c["failures"]] + [c for c in security if not c["ok"]]
    result = {"cases": cases, "hostile_cases": len(cases), "operations": 3 * len(cases),
              "security": security, "failed": len(failed), "ok": not failed}
    return report("hostile", result, started)


if __name__ == "__main__":
    sys.exit(main())
