"""kswitch from Python against keras.config.set_backend(), side by side in one run.

    python bench/python_face.py [--quick] [RESULTS.md]

Every row runs in a fresh Python (Keras's import state is process-wide) with a private
KERAS_HOME, kswitch from this tree (inst/python), on tensorflow <-> jax:
  1. a switch back to a backend already loaded: kswitch.use_backend() against
     keras.config.set_backend() (which re-imports Keras every time);
  2. a call on another backend's model: a jax model's predict() while the session is on
     tensorflow, against the same call on jax, and what set_backend() leaves of the model;
  3. RSS over 50 round trips with a small fit on each side.
Replaces (or adds) its section of bench/RESULTS.md (`make bench` runs it after bench/run.R).
"""

import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADING = "## 10. From Python and Jupyter (bench/python_face.py)"

COMMON = """
import gc, json, os, re, statistics, sys, time
import numpy as np
def rss_mb():
    with open("/proc/self/status") as f:
        return int(re.search(r"VmRSS:\\s+(\\d+)", f.read()).group(1)) / 1024
x = np.random.rand(256, 20).astype("float32"); y = (x[:, :1] > 0.5).astype("float32")
def small_model(keras):
    m = keras.Sequential([keras.Input((20,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer="adam", loss="binary_crossentropy")
    return m
def ms(times):
    return statistics.median(times) * 1000
"""

SWITCH_KSWITCH = """
import keras, kswitch
kswitch.use_backend("jax"); kswitch.use_backend("tensorflow")  # both loaded
times = []
for i in range({n}):
    t = time.perf_counter()
    kswitch.use_backend("jax" if i % 2 == 0 else "tensorflow")
    times.append(time.perf_counter() - t)
assert keras.config.backend() == ("jax" if {n} % 2 else "tensorflow")
print(json.dumps({{"ms": ms(times)}}))
"""

SWITCH_SET_BACKEND = """
import warnings; warnings.simplefilter("ignore")
import keras
keras.config.set_backend("jax"); keras = sys.modules["keras"]
keras.config.set_backend("tensorflow"); keras = sys.modules["keras"]  # both imported once
times = []
for i in range({n}):
    t = time.perf_counter()
    keras.config.set_backend("jax" if i % 2 == 0 else "tensorflow")
    times.append(time.perf_counter() - t)
    keras = sys.modules["keras"]
print(json.dumps({{"ms": ms(times)}}))
"""

CALL_KSWITCH = """
import keras, kswitch
kswitch.use_backend("jax")
m = small_model(keras); m.fit(x, y, epochs=1, verbose=0)
m.predict(x, verbose=0)
def timed():
    times = []
    for _ in range({n}):
        t = time.perf_counter(); m.predict(x, verbose=0); times.append(time.perf_counter() - t)
    return ms(times)
native = timed()
kswitch.use_backend("tensorflow")
other = timed()
fit = m.fit(x, y, epochs=1, verbose=0) is not None
kswitch.use_backend("jax")
back = m.predict(x, verbose=0).shape == (256, 1)
print(json.dumps({{"native": native, "other": other, "fit": fit, "back": back}}))
"""

CALL_SET_BACKEND = """
import warnings; warnings.simplefilter("ignore")
import keras
keras.config.set_backend("jax"); keras = sys.modules["keras"]
m = small_model(keras); m.fit(x, y, epochs=1, verbose=0)
keras.config.set_backend("tensorflow"); keras = sys.modules["keras"]
def attempt():
    try:
        m.predict(x, verbose=0)
        return "works"
    except Exception as e:
        return "fails ({{}})".format(type(e).__name__)
other = attempt()
keras.config.set_backend("jax"); keras = sys.modules["keras"]
back = attempt()
print(json.dumps({{"other": other, "back": back}}))
"""

MEMORY = {
    "kswitch, each backend keeps its model": """
import keras, kswitch
models, rss = {{}}, []
for trip in range({trips}):
    for b in ("jax", "tensorflow"):
        kswitch.use_backend(b)
        if b not in models:
            models[b] = small_model(keras)
        models[b].fit(x, y, epochs=1, verbose=0)
    gc.collect(); rss.append(rss_mb())
print(json.dumps({{"first": rss[0], "last": rss[-1]}}))
""",
    "kswitch, a new model for every fit": """
import keras, kswitch
rss = []
for trip in range({trips}):
    for b in ("jax", "tensorflow"):
        kswitch.use_backend(b)
        small_model(keras).fit(x, y, epochs=1, verbose=0)
    gc.collect(); rss.append(rss_mb())
print(json.dumps({{"first": rss[0], "last": rss[-1]}}))
""",
    "`keras.config.set_backend()`, a new model for every fit": """
import warnings; warnings.simplefilter("ignore")
import keras
rss = []
for trip in range({trips}):
    for b in ("jax", "tensorflow"):
        keras.config.set_backend(b); keras = sys.modules["keras"]
        small_model(keras).fit(x, y, epochs=1, verbose=0)
    gc.collect(); rss.append(rss_mb())
print(json.dumps({{"first": rss[0], "last": rss[-1]}}))
""",
    "no switching: tensorflow only, a new model for every fit (two a trip)": """
import keras
rss = []
for trip in range({trips}):
    for b in ("jax", "tensorflow"):
        small_model(keras).fit(x, y, epochs=1, verbose=0)
    gc.collect(); rss.append(rss_mb())
print(json.dumps({{"first": rss[0], "last": rss[-1]}}))
""",
}


def child(code, **fmt):
    home = tempfile.mkdtemp(prefix="kswitch-bench-")
    env = dict(os.environ, KERAS_HOME=home, KERAS_BACKEND="", TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.path.join(ROOT, "inst", "python"))
    try:
        out = subprocess.run([sys.executable, "-c", COMMON + textwrap.dedent(code).format(**fmt)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True, timeout=3600)
    finally:
        subprocess.run(["rm", "-rf", home])
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def versions():
    from importlib import metadata
    names = ("keras", "tensorflow-cpu", "jax")
    found = []
    for n in names:
        try:
            found.append("{} {}".format(n.replace("-cpu", ""), metadata.version(n)))
        except Exception:
            continue
    return ", ".join(found)


def section(quick):
    n_kswitch, n_set, n_calls = (20, 6, 10) if quick else (100, 20, 50)
    trips = 5 if quick else 50
    print("switch back ...", file=sys.stderr)
    ks = child(SWITCH_KSWITCH, n=n_kswitch)["ms"]
    sb = child(SWITCH_SET_BACKEND, n=n_set)["ms"]
    print("calls on another backend's model ...", file=sys.stderr)
    call_ks = child(CALL_KSWITCH, n=n_calls)
    call_sb = child(CALL_SET_BACKEND)
    memory = {}
    for label, code in MEMORY.items():
        print("memory: {} ...".format(label), file=sys.stderr)
        memory[label] = child(code, trips=trips)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        HEADING, "",
        "Measured {} by `{}` (`make bench`): Python {}, {}. Each row a fresh Python on "
        "tensorflow <-> jax; kswitch from this tree.".format(
            when, "python bench/python_face.py" + (" --quick" if quick else ""),
            platform.python_version(), versions()),
        "",
        "| switch back to a backend already loaded | per switch (median) | set_backend / this |",
        "|---|---|---|",
        "| `kswitch.use_backend()` ({} switches) | **{:.2f} ms** | **{:.0f}x** |".format(
            n_kswitch, ks, sb / ks),
        "| `keras.config.set_backend()` ({} switches) | {:.1f} ms | 1x |".format(n_set, sb),
        "",
        "| a jax model's `predict()` (256 rows) | median ({} calls) | |".format(n_calls),
        "|---|---|---|",
        "| on jax, its own backend active | {:.2f} ms | |".format(call_ks["native"]),
        "| kswitch: the session on tensorflow | {:.2f} ms | +{:.2f} ms a call; `fit()` "
        "there: {}; back on jax: {} |".format(
            call_ks["other"], call_ks["other"] - call_ks["native"],
            "works" if call_ks["fit"] else "fails", "intact" if call_ks["back"] else "broken"),
        "| `set_backend(\"tensorflow\")` | {} | back on jax: {} |".format(
            call_sb["other"], call_sb["back"]),
        "",
        "| RSS over {} round trips tensorflow <-> jax, a small fit on each side | after trip 1 "
        "| after the last | growth |".format(trips),
        "|---|---|---|---|",
    ]
    for label, m in memory.items():
        growth = m["last"] - m["first"]
        lines.append("| {} | {:.0f} MB | {:.0f} MB | {}{:+.0f} MB{} |".format(
            label, m["first"], m["last"], "**" if label.startswith("kswitch") else "",
            growth, "**" if label.startswith("kswitch") else ""))
    lines += ["", "The switch itself adds nothing (the first row). TensorFlow keeps a few MB for "
              "every newly built model, switching or not (the last row, whose 100 models are all "
              "TensorFlow's); `set_backend()` adds a whole Keras module tree per switch on top, "
              "and leaves the models made before it unusable."]
    return lines


def write(lines, path):
    with open(path) as f:
        text = f.read()
    block = "\n".join(lines) + "\n"
    start = text.find(HEADING)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + block
    else:
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + block + (text[end + 1:] if end >= 0 else "")
    with open(path, "w") as f:
        f.write(text)


def main(argv):
    quick = "--quick" in argv
    paths = [a for a in argv if not a.startswith("--")]
    lines = section(quick)
    print("\n".join(lines))
    write(lines, paths[0] if paths else os.path.join(ROOT, "bench", "RESULTS.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
