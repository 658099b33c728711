#!/usr/bin/env bash
# Fresh machine -> installed, built and fully tested: set-up (idempotent), build, formatting check,
# clang-tidy, then every test (cpu label; gpu tests skip with the reason when no GPU is present).
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
