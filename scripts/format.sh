#!/usr/bin/env bash
# Applies .clang-format to every C++/CUDA source; with --check, lists unformatted files and fails.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.cu' '*.cuh')
if [ "${1:-}" = "--check" ]; then
  bad=0
  for f in "${files[@]}"; do
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || { echo "unformatted: $f"; bad=1; }
  done
  exit $bad
fi
clang-format -i "${files[@]}"
