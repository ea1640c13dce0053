#!/bin/bash
# The built site in a real browser: headless Chromium opens the home page, the reference
# index, use_backend()'s page and an article, takes a screenshot of each (kept in
# check/site-screenshots) and dumps its DOM; fails on a missing page, an empty or one-colour
# screenshot, a page that did not render, or a broken internal link anywhere in the site.
# Chromium's profile, HOME and TMPDIR are under check/chromium, removed afterwards.
# Usage: tools/site-check.sh [SITE_DIR] (default check/site).
set -euo pipefail

site=$(realpath "${1:-check/site}")
check=$(realpath check)
shots=$check/site-screenshots
scratch=$check/chromium
pages=(index.html reference/index.html reference/use_backend.html articles/switching-backends.html)

rm -rf "$shots" "$scratch"
mkdir -p "$shots" "$scratch/profile" "$scratch/home" "$scratch/tmp"
trap 'rm -rf "$scratch"' EXIT

browse() {
  HOME=$scratch/home TMPDIR=$scratch/tmp XDG_CONFIG_HOME=$scratch/home/.config \
    XDG_CACHE_HOME=$scratch/home/.cache \
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --user-data-dir="$scratch/profile" --no-first-run --disable-extensions \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --window-size=1280,2000 "$@" 2>>"$scratch/chromium.log"
}

failed=0
for page in "${pages[@]}"; do
  file=$site/$page
  name=$(echo "${page%.html}" | tr / -)
  if [ ! -s "$file" ]; then
    echo "FAIL $page: missing"; failed=1; continue
  fi
  browse --screenshot="$shots/$name.png" "file://$file" >/dev/null || true
  dom=$(browse --dump-dom "file://$file" || true)
  # Rendered: the DOM Chromium built has pkgdown's main content with the page's text.
  text=$(printf '%s' "$dom" | python3 -c 'import re, sys; d = sys.stdin.read();
m = re.search(r"<main\b.*?</main>", d, re.S);
print(len(re.sub(r"<[^>]+>|\s+", "", m.group(0))) if m else 0)')
  if [ "$text" -lt 200 ]; then
    echo "FAIL $page: no rendered content ($text characters in <main>)"; failed=1; continue
  fi
  # A real screenshot: a PNG of the window's size, of more than a few colours, with more
  # than 1% of its pixels not the background (taken as the brightest colour).
  shot=$(Rscript -e 'p <- round(png::readPNG(commandArgs(TRUE)[1])[, , 1:3] * 255);
    code <- p[, , 1] * 65536 + p[, , 2] * 256 + p[, , 3];
    cat(ncol(code), nrow(code), length(unique(as.vector(code))), mean(code != max(code)))' \
    "$shots/$name.png" 2>/dev/null ||
    echo "0 0 0 0")
  read -r width height colours ink <<<"$shot"
  if [ "$width" != 1280 ] || [ "$height" != 2000 ] || [ "$colours" -lt 16 ] ||
     ! awk -v ink="$ink" 'BEGIN { exit !(ink > 0.01) }'; then
    echo "FAIL $page: screenshot missing or blank (${width}x$height, $colours colours, ink $ink)"
    failed=1; continue
  fi
  echo "ok   $page: $text characters rendered; screenshot $name.png ($colours colours)"
done

python3 "$(dirname "$0")/site-links.py" "$site" || failed=1
exit "$failed"
