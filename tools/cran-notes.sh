#!/usr/bin/env bash
# The NOTEs of an R CMD check log that the README's Development section does not list, line
# by line (a NOTE's check name alone would let a new finding under it through):
#   tools/cran-notes.sh 00check.log   prints them and exits 1, or exits 0
# Listed: the suggested keras3 and keras, not installed where Keras is not; a new
# submission's maintainer line (with the network: the incoming checks).
set -euo pipefail
allowed='^(Maintainer: |New submission|Packages suggested but not available for checking: .keras., .keras3.$|$)'
unlisted=$(awk '
  /^\* / { in_note = ($0 ~ /\.\.\. NOTE$/); if (in_note) print "NOTE " $0; next }
  in_note { print }
' "$1" | grep -v -E "^NOTE |$allowed" || true)
if [ -n "$unlisted" ]; then
  echo "R CMD check NOTEs the README does not list:"; echo "$unlisted"; exit 1
fi
