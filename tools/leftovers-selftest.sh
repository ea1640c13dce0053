#!/usr/bin/env bash
# tools/leftovers.sh proven both ways (make leftovers-check), with short testthat runs that
# start Keras through kswitch:
#   busy   another program adds and removes files in /tmp and ~ during the run (some named
#          like another R session's or Python's temporary files) and removes one of its own
#          that was there before: the run passes;
#   leak   a test leaves a file in its TMPDIR, one in its home and one in the real /tmp (an
#          absolute path, named like kswitch's): the run fails, naming each.
set -euo pipefail
cd "$(dirname "$0")/.."
other=other-program-$$
leak=/tmp/kswitch-leaked-by-a-test-$$
churner=
cleanup() {
  [ -z "$churner" ] || kill "$churner" 2>/dev/null || true
  rm -rf /tmp/"$other"* /tmp/Rtmp"$other"* /tmp/tmp"$other"* ~/."$other"* "$leak" \
    /tmp/kswitch-private-selftest-* check/selftest-keras-home
}
trap cleanup EXIT

churn() {
  local i=0
  while :; do
    i=$((i + 1))
    touch "/tmp/$other-$i.log" ~/."$other-$i" "/tmp/tmp$other$i"
    mkdir -p "/tmp/Rtmp$other$i"
    sleep 0.1
    rm -rf "/tmp/$other-$((i - 1)).log" ~/."$other-$((i - 1))" "/tmp/tmp$other$((i - 1))" \
      "/tmp/Rtmp$other$((i - 1))" "/tmp/$other-before"
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
touch "/tmp/$other-before"
churn & churner=$!
if ! out=$(tools/leftovers.sh run selftest-busy bash -c 'test_run ""' 2>&1); then
  printf '%s\n' "$out"
  echo "leftovers-check: FAILED: a run on a busy machine was blamed for other programs' files"
  exit 1
fi
kill "$churner"; churner=
echo "leftovers-check: a run passes while another program changes /tmp and ~"

code="writeLines('x', file.path(Sys.getenv('TMPDIR'), 'leaked-by-a-test.txt'))
  writeLines('x', '~/leaked-by-a-test.txt'); writeLines('x', '$leak')"
if out=$(tools/leftovers.sh run selftest-leak bash -c 'test_run "$1"' _ "$code" 2>&1); then
  printf '%s\n' "$out"
  echo "leftovers-check: FAILED: a run that leaked files passed"
  exit 1
fi
for f in "selftest-leak\.[^/]*/tmp/leaked-by-a-test.txt" \
         "selftest-leak\.[^/]*/home/leaked-by-a-test.txt" "$leak"; do
  grep -q "$f" <<<"$out" || {
    printf '%s\n' "$out"; echo "leftovers-check: FAILED: the leak $f was not named"; exit 1; }
done
echo "leftovers-check: a run that leaks files fails, naming them:"
grep -F "leaked-by-a-test" <<<"$out" | sed 's/^/  /'
