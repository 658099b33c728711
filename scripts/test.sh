#!/usr/bin/env bash
# Fresh machine -> installed, built and fully tested: set-up (idempotent), build, formatting check,
# clang-tidy, then every test (cpu label; gpu tests skip with the reason when no GPU is present),
# then the sanitizer build's tests and a short fuzz.
# Tests that need real audio read ../shared/corpora (override: CALMSPACE_CORPORA=/path).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CALMSPACE_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
"$root/scripts/format.sh" --check
# clang-tidy (.clang-tidy, warnings as errors) over the host code; CALMSPACE_TIDY=0 skips it.
[ "${CALMSPACE_TIDY:-1}" = 0 ] || CALMSPACE_BUILD_DIR="$build" "$root/scripts/tidy.sh"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" "$@"
# The checked build: ASan + UBSan over a subset of the CPU tests, then a short fuzz of every parser
# (scripts/sanitize.sh, scripts/fuzz.sh); CALMSPACE_SANITIZE=0 skips both.
if [ "${CALMSPACE_SANITIZE:-1}" != 0 ]; then
  "$root/scripts/sanitize.sh"
  "$root/scripts/fuzz.sh" "${CALMSPACE_FUZZ_SECONDS:-60}"
fi
