"""Suite 1: concurrent writers and readers on one keras.json.

WRITERS processes each make WRITES writes through kswitch (config.update_config, the path every
persisting kswitch call takes, and api.use_backend(persist=True)): backend, epsilon, floatx and
unknown keys, each write also bumping the writer's own counter key. Meanwhile readers read the
file continuously: kswitch's strict reader, Keras's own import-time reading code
(keras/src/backend/config.py re-executed in a loop), and fresh `import keras` processes.

Counted: an invalid read (unparsable, rejected by Keras, or missing the keys every version of
the file has), a lost update (a writer's counter or unknown key not what it last wrote, seen
under the lock at its next write or in the final file), and a regression (a reader seeing a
writer's counter go backwards).
"""

import importlib
import json
import os
import random
import subprocess
import sys
import time

import common  # noqa: F401  (puts kswitch on sys.path)
from common import PYTHON, child_env, report, temp_root

WRITERS, WRITES = 8, 200
SENTINEL = "kswitch_reliability"


def _counters(config):
    return {k: config.get("w%d" % k, 0) for k in range(WRITERS)}


def naive_update(updates, path):
    """The control: read-modify-write in place, without lock or temp file, as naive code does."""
    with open(path) as f:
        old = json.load(f)
    with open(path, "w") as f:
        json.dump(dict(old, **updates), f, indent=4)
    return old


def writer(path, k, n, mode="kswitch"):
    from kswitch import api, config, registry
    update = config.update_config if mode == "kswitch" else naive_update
    rnd = random.Random(k)
    lost, counter, unknown = 0, 0, None
    for i in range(1, n + 1):
        kind = i % 5
        if kind == 0 and mode == "kswitch":  # through the API, as use_backend("jax") from R
            api.use_backend(rnd.choice(["tensorflow", "jax", "torch", "numpy"]), persist=True)
            continue
        updates = {"w%d" % k: counter + 1}
        if kind == 1:
            updates["backend"] = rnd.choice(registry.NAMES)
        elif kind == 2:
            updates["epsilon"] = rnd.choice([1e-7, 1e-5, 1e-3]) * rnd.uniform(0.5, 2)
        elif kind == 3:
            updates["floatx"] = rnd.choice(config.FILE_FLOATX)
        elif kind == 4:
            updates["u%d" % k] = {"i": i, "pad": "x" * rnd.randint(0, 500)}
        try:
            old = update(updates, path)
        except ValueError:  # only the naive control can read a half-written file
            lost += 1
            continue
        # What this writer wrote last must still be there when it writes again.
        lost += old.get("w%d" % k, 0) != counter or old.get("u%d" % k) != unknown
        counter += 1
        unknown = updates.get("u%d" % k, unknown)
    print(json.dumps({"writes": n, "lost": lost, "counter": counter, "unknown": unknown}))


def _reader_loop(stop, read):
    open(stop + "-ready-" + str(os.getpid()), "w").close()
    reads = invalid = regressions = 0
    last = {k: 0 for k in range(WRITERS)}
    examples = []
    while not os.path.exists(stop):
        try:
            config = read()
            problem = None if isinstance(config, dict) and config.get(SENTINEL) else \
                "read {!r}".format(config)[:200]
        except Exception as e:  # noqa: BLE001 - every failure to read is what we count
            config, problem = None, "{}: {}".format(type(e).__name__, e)[:200]
        reads += 1
        if problem:
            invalid += 1
            examples = (examples + [problem])[:3]
            continue
        for k, v in _counters(config).items():
            regressions += v < last[k]
            last[k] = max(v, last[k])
    print(json.dumps({"reads": reads, "invalid": invalid, "regressions": regressions,
                      "examples": examples}))


def reader_kswitch(path, stop):
    from kswitch import config
    _reader_loop(stop, lambda: config.read_config(path))


def reader_keras(path, stop):
    """Keras's own import-time reading: its config module, executed again for each read."""
    import keras  # noqa: F401
    module = importlib.import_module("keras.src.backend.config")

    def read():
        importlib.reload(module)  # reads keras.json exactly as `import keras` does
        return module._config

    _reader_loop(stop, read)


def importer(path, stop):
    """Fresh processes that `import keras` (numpy backend: the quickest) and report its config."""
    code = ("import json, keras; from keras.src.backend import config as c; "
            "print(json.dumps(c._config))")
    open(stop + "-ready-" + str(os.getpid()), "w").close()
    imports = invalid = 0
    examples = []
    while not os.path.exists(stop):
        out = subprocess.run([PYTHON, "-c", code], env=child_env(os.path.dirname(path),
                                                                KERAS_BACKEND="numpy"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True, timeout=120)
        imports += 1
        try:
            ok = out.returncode == 0 and json.loads(out.stdout.strip().splitlines()[-1]).get(
                SENTINEL)
        except (ValueError, IndexError):
            ok = False
        if not ok:
            invalid += 1
            examples = (examples + [out.stderr[-200:]])[:3]
    print(json.dumps({"reads": imports, "invalid": invalid, "regressions": 0,
                      "examples": examples}))


def run(root, writes, mode):
    """One run: readers start, writers write, readers stop; returns the counts."""
    from kswitch import config
    home = os.path.join(root, mode, "keras-home")
    path = os.path.join(home, "keras.json")
    stop = os.path.join(root, mode, "stop")
    config.update_config({SENTINEL: True}, path)
    env = child_env(home, KERAS_BACKEND="numpy")
    me = os.path.abspath(__file__)

    def spawn(*args):
        return subprocess.Popen([PYTHON, me] + [str(a) for a in args], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                universal_newlines=True)

    def result(process, what):
        out, err = process.communicate(timeout=300)
        if process.returncode:
            raise RuntimeError("{} failed:\n{}".format(what, err[-3000:]))
        return json.loads(out.strip().splitlines()[-1])

    readers = {"kswitch": spawn("reader_kswitch", path, stop),
               "keras": spawn("reader_keras", path, stop),
               "import keras": spawn("importer", path, stop)}
    deadline = time.time() + 120
    while len([f for f in os.listdir(os.path.dirname(stop)) if "-ready-" in f]) < 3:
        if time.time() > deadline:
            raise RuntimeError("readers did not start")
        time.sleep(0.1)
    started = time.time()
    writers = [spawn("writer", path, k, writes, mode) for k in range(WRITERS)]
    results = [result(w, "writer") for w in writers]
    write_seconds = time.time() - started
    open(stop, "w").close()
    reads = {name: result(r, "reader " + name) for name, r in readers.items()}
    try:
        final = config.read_config(path)
        final_lost = sum(final.get("w%d" % k) != results[k]["counter"]
                         or final.get("u%d" % k) != results[k]["unknown"]
                         for k in range(WRITERS))
        final_valid = True
    except Exception:  # noqa: BLE001 - the naive control may leave a broken file
        final_valid, final_lost = False, WRITERS
    return {
        "writers": WRITERS, "writes": sum(r["writes"] for r in results),
        "write_seconds": round(write_seconds, 1),
        "reads": {name: r["reads"] for name, r in reads.items()},
        "invalid_reads": sum(r["invalid"] for r in reads.values()),
        "regressions": sum(r["regressions"] for r in reads.values()),
        "lost_updates": sum(r["lost"] for r in results) + final_lost,
        "final_valid": final_valid,
        "examples": [e for r in reads.values() for e in r["examples"]],
    }


def main():
    started = time.time()
    with temp_root("concurrency") as root:
        result = run(root, WRITES, "kswitch")
        # The control proves the suite can fail: naive writers must be caught losing data.
        control = run(root, WRITES // 4, "naive")
    result["control"] = {k: control[k] for k in ("writes", "invalid_reads", "lost_updates",
                                                  "regressions", "final_valid")}
    result["ok"] = (result["invalid_reads"] == 0 and result["lost_updates"] == 0
                    and result["regressions"] == 0 and result["final_valid"]
                    and all(n > 0 for n in result["reads"].values())
                    and control["invalid_reads"] + control["lost_updates"] > 0)
    return report("concurrency", result, started)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        role, args = sys.argv[1], sys.argv[2:]
        if role == "writer":
            writer(args[0], int(args[1]), int(args[2]), args[3])
        else:
            globals()[role](*args)
    else:
        sys.exit(main())
