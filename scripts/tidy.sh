#!/usr/bin/env bash
# clang-tidy over the host code (core/, serve/, tools/, datasets/, the fuzz targets) with the project's .clang-tidy
# (warnings are errors), using the build's compile_commands.json. With FILES, only those.
# GCC-only flags and pragmas (-Wno-restrict, #pragma GCC target) are not clang's business.
#   bash scripts/tidy.sh [FILE ...]          ($CALMSPACE_BUILD_DIR, default build/)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CALMSPACE_BUILD_DIR:-$root/build}"
cd "$root"
[ -f "$build/compile_commands.json" ] || { echo "tidy: no $build/compile_commands.json (build first)" >&2; exit 1; }
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files 'core/*.cpp' 'serve/*.cpp' 'tools/*.cpp' 'datasets/*.cpp' \
                         'fuzz/*_target.cpp' 'fuzz/scratch_dir.cpp')
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-unknown-pragmas >"$log" 2>&1 || true
if grep -E "(error|warning): " "$log" | grep -v "warnings generated" >/dev/null; then
  grep -E -A3 "(error|warning): " "$log" | grep -v "warnings generated"
  echo "tidy: findings in ${#files[@]} file(s) checked" >&2
  exit 1
fi
echo "tidy: ${#files[@]} files clean"
