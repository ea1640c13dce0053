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
# A browser, an IDE, another R session or another program using OpenVINO (which writes
# ~/intel) adds and removes files in /tmp and ~ all the time; those are not kswitch's and
# must not fail the run. As root, CMD runs in a mount namespace of its own where /tmp and ~
# are overlays of the real ones: what it writes there by absolute path lands in the private
# directory (upper-tmp, upper-home), and only that is looked at, so nothing another program
# does meanwhile can be taken for it. Where that is not available (not root, no overlayfs,
# the project itself under /tmp or ~, whose files must outlive the run), the real /tmp and ~
# are compared before and after, by name.
set -euo pipefail
[ "${1:-}" = run ] && [ $# -ge 3 ] || { echo "usage: $0 run NAME CMD..." >&2; exit 2; }
name=$2; shift 2
real_home=$HOME

# Overlays work here: root, unshare and overlayfs, with the project outside /tmp and ~.
can_isolate() {
  [ "$(id -u)" = 0 ] && command -v unshare >/dev/null || return 1
  case "$(pwd -P)/" in /tmp/*|"$(cd "$real_home" && pwd -P)"/*) return 1;; esac
  local probe
  probe=$(mktemp -d /var/tmp/kswitch-overlay-probe.XXXXXX) || return 1
  mkdir "$probe/lower" "$probe/upper" "$probe/work" "$probe/mnt"
  unshare -m --propagation private sh -c 'mount -t overlay overlay \
    -o "lowerdir=$1/lower,upperdir=$1/upper,workdir=$1/work" "$1/mnt"' _ "$probe" 2>/dev/null
  local ok=$?
  rm -rf "$probe"
  return "$ok"
}
isolated=false
if [ "${KSWITCH_LEFTOVERS_BY_NAME:-}" != true ] && can_isolate; then isolated=true; fi

# Outside the source tree: R CMD build copies the tree from inside its temporary directory.
# Isolated, outside /tmp too: the overlay of /tmp would hide what CMD writes in it.
private=$(mktemp -d "$(if $isolated; then echo /var/tmp; else echo "${TMPDIR:-/tmp}"; fi)/kswitch-private-$name.XXXXXX")
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

# CMD in the namespace, its /tmp and ~ overlaid (see above), or as it is.
in_overlays() {
  if ! $isolated; then "$@"; return; fi
  mkdir -p "$private"/{upper-tmp,work-tmp,upper-home,work-home}
  unshare -m --propagation private bash -c 'set -e
    mount -t overlay overlay -o "lowerdir=/tmp,upperdir=$1/upper-tmp,workdir=$1/work-tmp" /tmp
    mount -t overlay overlay \
      -o "lowerdir=$2,upperdir=$1/upper-home,workdir=$1/work-home" "$2"
    shift 2; exec "$@"' _ "$private" "$real_home" "$@"
}
# What CMD added by absolute path to the real /tmp and ~: the new entries of the overlays'
# upper layers (not their whiteouts, which record deletions, nor a directory that was there
# before and got a file inside), or what is new there.
new_entries() {
  if $isolated; then
    for d in tmp home; do
      [ ! -d "$private/upper-$d" ] || find "$private/upper-$d" -mindepth 1 -maxdepth 1 ! -type c \
        -printf "$(if [ $d = tmp ]; then echo /tmp; else echo "$real_home"; fi)/%f\n"
    done | grep -vxF -f <(echo "$before") || true
  else
    comm -13 <(echo "$before") <(list_real) | grep -vxF "$private"
  fi
}

status=0
started=$SECONDS
# Where things outside the private home must still be found: kswitch's environments
# (reticulate's virtualenv root), pyenv's Pythons, rustup's toolchains (its shims write
# their settings into a new home), the user's R library.
in_overlays env HOME="$private/home" TMPDIR="$private/tmp" \
  WORKON_HOME="${WORKON_HOME:-$real_home/.virtualenvs}" \
  PYENV_ROOT="${PYENV_ROOT:-$real_home/.pyenv}" \
  RUSTUP_HOME="${RUSTUP_HOME:-$real_home/.rustup}" CARGO_HOME="${CARGO_HOME:-$real_home/.cargo}" \
  R_LIBS_USER="${R_LIBS_USER:-$(Rscript -e 'cat(path.expand(Sys.getenv("R_LIBS_USER")))')}" \
  "$@" || status=$?

echo "[$name: $((SECONDS - started)) s]"  # the README's time per suite
left=$(cd "$private" && find tmp home -mindepth 1 | grep -Ev "$EXPECTED" |
       sed "s|^|$private/|" || true)
new=$(new_entries | grep -E "$PATTERN" || true)
if [ -n "$left" ] || [ -n "$new" ]; then
  printf 'The %s run left files behind:\n%s\n' "$name" "$(printf '%s\n%s' "$left" "$new" |
    sed '/^$/d' | head -n 50)"
  [ "$status" -ne 0 ] || status=1
fi
[ "$status" -ne 0 ] || rm -rf "$private"
exit "$status"
