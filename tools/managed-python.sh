#!/bin/bash
# Sets up what tests/testthat/test-managed.R needs for reticulate's managed Python, in ROOT:
#   ROOT/uv-tool/bin/uv   uv from PyPI (pip)
#   ROOT/python/cpython-X.Y.Z-linux-x86_64-gnu/bin/python3   PYTHON shown to uv as a managed
#                         installation (uv cannot download Python builds here)
#   ROOT/overrides.txt    torch pinned to the CPU wheel pip finds (/opt/wheels), so uv never
#                         pulls the CUDA build from PyPI
#   ROOT/pytorch-index/cpu   a PyTorch CPU index holding that wheel: the tests' mirror of
#                         PyTorch's index (KSWITCH_PYTORCH_INDEX_MIRROR), which this machine
#                         cannot reach
# A second run only checks (well under a second).
set -euo pipefail
root=$1 python=$2
mkdir -p "$root"
if [ ! -x "$root/uv-tool/bin/uv" ]; then
  env -u LD_LIBRARY_PATH "$python" -m venv "$root/uv-tool"
  env -u LD_LIBRARY_PATH "$root/uv-tool/bin/pip" install -q uv 2>&1 | grep -v "is ignored" || true
fi
version=$(env -u LD_LIBRARY_PATH "$python" -c 'import platform; print(platform.python_version())')
dir="$root/python/cpython-$version-linux-x86_64-gnu/bin"
minor=${version%.*}
if [ ! -x "$dir/python$minor" ]; then
  mkdir -p "$dir"
  printf '#!/bin/sh\nunset LD_LIBRARY_PATH\nexec %s "$@"\n' "$python" > "$dir/python$minor"
  chmod +x "$dir/python$minor"
  ln -sfn "python$minor" "$dir/python3"
  ln -sfn "python$minor" "$dir/python"
fi
# The CPU torch build pip uses here, by its local version (find-links, see `pip config list`).
torch=$(ls /opt/wheels 2>/dev/null | sed -n 's/^torch-\([^-]*+cpu\)-.*/\1/p' | head -n 1)
: > "$root/overrides.txt"
if [ -n "$torch" ]; then
  echo "torch==$torch" > "$root/overrides.txt"
  wheel=$(ls /opt/wheels/torch-"$torch"-*.whl | head -n 1)
  mkdir -p "$root/pytorch-index/cpu/torch"
  printf '<!DOCTYPE html><html><body><a href="file://%s">%s</a></body></html>\n' \
    "$wheel" "$(basename "$wheel")" > "$root/pytorch-index/cpu/torch/index.html"
fi
"$root/uv-tool/bin/uv" --version
