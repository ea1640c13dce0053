"""Suite 2: a writer killed with SIGKILL at random points, KILLS times.

The writer rewrites keras.json through kswitch in a loop, acknowledging each completed write
on stdout. After each kill the file must parse (for kswitch and for a plain JSON reader) and
equal exactly the last acknowledged content or the one being written, and the next write
must leave no temp file behind.
"""

import glob
import json
import os
import random
import signal
import subprocess
import sys
import time

import common  # noqa: F401  (puts kswitch on sys.path)
from common import PYTHON, child_env, report, temp_root

KILLS = 240
PAD = 200000  # a large file keeps the writer inside the write for a while


def content_update(i):
    return {"counter": i, "payload": "%d-" % i + "x" * (PAD + i % 97)}


def child(path, start):
    from kswitch import config
    print("ready", flush=True)
    i = int(start)
    while True:
        config.update_config(content_update(i), path)
        print(i, flush=True)
        i += 1


def temp_files(home):
    from kswitch import config
    return glob.glob(os.path.join(home, config.TEMP_PREFIX + "*" + config.TEMP_SUFFIX))


def main():
    started = time.time()
    from kswitch import config
    rnd = random.Random(4)
    counts = {"kills": 0, "old_content": 0, "new_content": 0, "temp_left_by_kill": 0,
              "temp_left_after_next_write": 0, "invalid": 0, "writes_acknowledged": 0}
    problems = []
    with temp_root("crash") as root:
        home = os.path.join(root, "keras-home")
        path = os.path.join(home, "keras.json")
        config.update_config(dict(content_update(0), sentinel=True), path)
        base = config.read_config(path)
        current = 0
        for _ in range(KILLS):
            p = subprocess.Popen([PYTHON, os.path.abspath(__file__), "child", path,
                                  str(current + 1)], env=child_env(home),
                                 stdout=subprocess.PIPE, universal_newlines=True)
            assert p.stdout.readline().strip() == "ready"
            time.sleep(rnd.uniform(0, 0.06))
            p.send_signal(signal.SIGKILL)
            acked = [int(line) for line in p.stdout.read().split()]
            p.wait()
            p.stdout.close()
            counts["kills"] += 1
            counts["writes_acknowledged"] += len(acked)
            last = acked[-1] if acked else current
            counts["temp_left_by_kill"] += bool(temp_files(home))
            try:
                with open(path) as f:
                    plain = json.load(f)
                found = config.read_config(path)
                assert found == plain
            except Exception as e:  # noqa: BLE001 - any unreadable file is a failure
                counts["invalid"] += 1
                problems.append("unreadable after kill: {}".format(e)[:300])
                break
            if found == dict(base, **content_update(last)):
                counts["old_content"] += 1
            elif found == dict(base, **content_update(last + 1)):
                counts["new_content"] += 1
                last += 1
            else:
                counts["invalid"] += 1
                problems.append("neither old nor new content after kill (counter {}, acked {})"
                                .format(found.get("counter"), last))
            current = last
            config.update_config({"counter": current}, path)  # the next write
            counts["temp_left_after_next_write"] += bool(temp_files(home))
    result = dict(counts, problems=problems[:5])
    result["ok"] = (counts["kills"] >= 200 and counts["invalid"] == 0
                    and counts["temp_left_after_next_write"] == 0)
    return report("crash", result, started)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(*sys.argv[2:])
    else:
        sys.exit(main())
