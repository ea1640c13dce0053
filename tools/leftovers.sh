#!/usr/bin/env bash
# What a test run left in /tmp and ~ that kswitch or its tests could have made, and nothing
# else: a browser, an IDE or another R session on the same machine adds and removes files
# there all the time, and is not kswitch's fault.
#   tools/leftovers.sh snapshot FILE   records the entries of /tmp and ~
#   tools/leftovers.sh check FILE      fails on new entries named like what Keras, TensorFlow,
#                                      torch, OpenVINO, uv, Python, R or kswitch write
set -euo pipefail
list() { for d in /tmp ~; do ls -A "$d" | sed "s|^|$d/|"; done | sort; }
# Names those programs give what they leave: Keras's config dir, torch's inductor cache,
# OpenVINO's telemetry, uv's and pip's caches, Python's and R's temporary files, kswitch's.
PATTERN='/(\.keras|keras[^/]*|torchinductor_[^/]*|intel|\.cache|\.config|uv[^/]*|tmp[^/]*|__autograph_generated_file[^/]*|Rtmp[^/]*|kswitch[^/]*|\.virtualenvs|\.local|\.Rhistory|[^/]*\.(keras|h5|json|png|so))$'
case "$1" in
  snapshot) list > "$2" ;;
  check)
    new=$(comm -13 "$2" <(list) | grep -E "$PATTERN" || true)
    if [ -n "$new" ]; then
      printf 'Left behind by the test run (kswitch or its tests could have made these):\n%s\n' "$new"
      exit 1
    fi ;;
  *) echo "usage: $0 snapshot|check FILE" >&2; exit 2 ;;
esac
