#!/usr/bin/env bash
# tools/leftovers.sh proven both ways (make leftovers-check), with short testthat runs that
# start Keras through kswitch, in each of its modes (overlays as root; by name elsewhere):
#   busy   another program adds and removes files in /tmp and ~ during the run (some named
#          like another R session's or Python's temporary files) and removes one of its own
#          that was there before: the run passes. With overlays, the other program also
#          writes what kswitch's tools would (~/intel, as OpenVINO does; /tmp/keras-*), which
#          only the overlays can tell from the run's own;
#   leak   a test leaves a file in its TMPDIR, one in its home and one each in the real /tmp
#          and ~ (absolute paths, named like kswitch's): the run fails, naming each.
set -euo pipefail
cd "$(dirname "$0")/.."
other=other-program-$$
leak=/tmp/kswitch-leaked-by-a-test-$$
home_leak=~/kswitch-leaked-by-a-test-$$
churner=
intel=  # ~/intel, made by the churner only where it was not there before
cleanup() {
  [ -z "$churner" ] || kill "$churner" 2>/dev/null || true
  rm -rf /tmp/"$other"* /tmp/Rtmp"$other"* /tmp/tmp"$other"* /tmp/keras-"$other"* ~/."$other"* \
    "$leak" "$home_leak" ${intel:+"$intel"} /tmp/kswitch-private-selftest-* \
    /var/tmp/kswitch-private-selftest-* check/selftest-keras-home
}
trap cleanup EXIT

churn() {  # $1: also names like kswitch's tools write (true/false)
  local i=0
  while :; do
    i=$((i + 1))
    touch "/tmp/$other-$i.log" ~/."$other-$i" "/tmp/tmp$other$i"
    mkdir -p "/tmp/Rtmp$other$i"
    if $1; then touch "/tmp/keras-$other-$i"; [ -z "$intel" ] || mkdir -p "$intel"; fi
    sleep 0.1
    rm -rf "/tmp/$other-$((i - 1)).log" ~/."$other-$((i - 1))" "/tmp/tmp$other$((i - 1))" \
      "/tmp/Rtmp$other$((i - 1))" "/tmp/$other-before" "/tmp/keras-$other-$((i - 1))"
  done
}

test_run() {  # a testthat test that switches with kswitch, plus what it runs ($1)
  Rscript -e "library(kswitch); testthat::test_that('a run', {
    f <- tempfile(); writeLines('x', f); unlink(f)
    kswitch::use_backend('jax', persist = FALSE)
    testthat::expect_equal(kswitch::k_epsilon(), 1e-7)
    $1
  })"
}

export -f test_run
# Keras's config of these runs: not in the private home, where a file would be a leak.
export KERAS_HOME=$PWD/check/selftest-keras-home
[ -e ~/intel ] || intel=$(cd ~ && pwd)/intel

# Both ways in one mode: by_name true (KSWITCH_LEFTOVERS_BY_NAME) or false (overlays).
prove() {
  local by_name=$1 mode
  mode=$(if $by_name; then echo "by name"; else echo "with overlays"; fi)
  touch "/tmp/$other-before"
  churn "$(if $by_name; then echo false; else echo true; fi)" & churner=$!
  if ! out=$(KSWITCH_LEFTOVERS_BY_NAME=$by_name \
      tools/leftovers.sh run selftest-busy bash -c 'test_run ""' 2>&1); then
    printf '%s\n' "$out"
    echo "leftovers-check ($mode): FAILED: a run on a busy machine was blamed for other programs' files"
    exit 1
  fi
  kill "$churner"; churner=
  rm -rf ${intel:+"$intel"} /tmp/keras-"$other"*
  echo "leftovers-check ($mode): a run passes while another program changes /tmp and ~$(
    $by_name || echo ", writing ~/intel and /tmp/keras-* too")"

  code="writeLines('x', file.path(Sys.getenv('TMPDIR'), 'leaked-by-a-test.txt'))
    writeLines('x', '~/leaked-by-a-test.txt'); writeLines('x', '$leak')
    writeLines('x', '$home_leak')"
  if out=$(KSWITCH_LEFTOVERS_BY_NAME=$by_name \
      tools/leftovers.sh run selftest-leak bash -c 'test_run "$1"' _ "$code" 2>&1); then
    printf '%s\n' "$out"
    echo "leftovers-check ($mode): FAILED: a run that leaked files passed"
    exit 1
  fi
  for f in "selftest-leak\.[^/]*/tmp/leaked-by-a-test.txt" \
           "selftest-leak\.[^/]*/home/leaked-by-a-test.txt" "$leak" "$home_leak"; do
    grep -q "$f" <<<"$out" || {
      printf '%s\n' "$out"; echo "leftovers-check ($mode): FAILED: the leak $f was not named"
      exit 1; }
  done
  echo "leftovers-check ($mode): a run that leaks files fails, naming them:"
  grep -F "leaked-by-a-test" <<<"$out" | sed 's/^/  /'
  rm -rf "$leak" "$home_leak" /tmp/kswitch-private-selftest-* /var/tmp/kswitch-private-selftest-*
}

if out=$(tools/leftovers.sh run selftest-mode bash -c 'grep -q " /tmp overlay " /proc/mounts' 2>&1)
then
  prove false
else
  echo "leftovers-check: no overlays here (not root, or no overlayfs): by name only"
fi
prove true
