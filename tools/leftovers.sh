#!/usr/bin/env bash
# A test run in a private temporary directory and home, failing on what it left behind and
# on nothing else:
#   tools/leftovers.sh run NAME CMD...
# runs CMD with TMPDIR and HOME in a new /tmp/kswitch-private-NAME.*/{tmp,home}: R, Python,
# Keras, torch, OpenVINO and uv write their temporary files and caches there. Then it fails
# (CMD's status, or 1; the private directory is kept to look at) if
#   - the private tmp or home holds anything but the caches listed in EXPECTED, or
#   - the real /tmp or ~ got a new entry named like what Keras, TensorFlow, torch, OpenVINO,
#     uv or kswitch write (PATTERN): only an absolute path can still put one there.
# A browser, an IDE or another R session adds and removes files in /tmp and ~ all the time;
# those changes are not kswitch's and do not fail the run.
set -euo pipefail
[ "${1:-}" = run ] && [ $# -ge 3 ] || { echo "usage: $0 run NAME CMD..." >&2; exit 2; }
name=$2; shift 2
real_home=$HOME
# Outside the source tree: R CMD build copies the tree from inside its temporary directory.
private=$(mktemp -d "${TMPDIR:-/tmp}/kswitch-private-$name.XXXXXX")
mkdir -p "$private/tmp" "$private/home"

# What an absolute path could leave in /tmp or ~ (top-level entries).
PATTERN='/(\.keras|keras[^/]*|[^/]*\.(keras|h5)|torchinductor_[^/]*|__autograph_generated_file[^/]*|intel|openvino[^/]*|uv-[^/]*|\.virtualenvs|kswitch[^/]*)$'
# What the tools write by design: in the home, caches (pip's, uv's, R's, Theano's compiled
# code, torch's); in the temporary directory, TensorFlow's autograph sources (kept until
# exit by design) and pytest's own tmp_path directories (it keeps the last three runs').
# Not files a test forgot.
EXPECTED='^(home/(\.cache|\.config|\.local|\.local/share)|home/(\.cache/(pip|uv|R|torch|matplotlib|fontconfig)|\.theano|\.config/(matplotlib|pulse)|\.local/share/(uv|jupyter))(/.*)?|tmp/__autograph_generated_file[^/]*\.py|tmp/pytest-of-[^/]*(/.*)?)$'

list_real() { for d in /tmp "$real_home"; do ls -A "$d" | sed "s|^|$d/|"; done | sort; }
before=$(list_real)

status=0
# Where things outside the private home must still be found: kswitch's environments
# (reticulate's virtualenv root), pyenv's Pythons, rustup's toolchains (its shims write
# their settings into a new home), the user's R library.
env HOME="$private/home" TMPDIR="$private/tmp" \
  WORKON_HOME="${WORKON_HOME:-$real_home/.virtualenvs}" \
  PYENV_ROOT="${PYENV_ROOT:-$real_home/.pyenv}" \
  RUSTUP_HOME="${RUSTUP_HOME:-$real_home/.rustup}" CARGO_HOME="${CARGO_HOME:-$real_home/.cargo}" \
  R_LIBS_USER="${R_LIBS_USER:-$(Rscript -e 'cat(path.expand(Sys.getenv("R_LIBS_USER")))')}" \
  "$@" || status=$?

left=$(cd "$private" && find tmp home -mindepth 1 | grep -Ev "$EXPECTED" |
       sed "s|^|$private/|" || true)
new=$(comm -13 <(echo "$before") <(list_real) | grep -vxF "$private" | grep -E "$PATTERN" ||
      true)
if [ -n "$left" ] || [ -n "$new" ]; then
  printf 'The %s run left files behind:\n%s\n' "$name" "$(printf '%s\n%s' "$left" "$new" |
    sed '/^$/d' | head -n 50)"
  [ "$status" -ne 0 ] || status=1
fi
[ "$status" -ne 0 ] || rm -rf "$private"
exit "$status"
