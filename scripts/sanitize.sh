#!/usr/bin/env bash
# The checked build: clang with AddressSanitizer + UndefinedBehaviorSanitizer (and libFuzzer's
# coverage, so the same build serves scripts/fuzz.sh) into build-san/ (or $CALMSPACE_SAN_DIR), then
# the CPU tests of the given test folders under it. Any sanitizer report fails its test.
#   scripts/sanitize.sh                  the CI subset: audio cluster core dataset features fuzz predict
#                                        serve tools
#   scripts/sanitize.sh all              every CPU test folder
#   scripts/sanitize.sh audio serve ...  these folders of tests/
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CALMSPACE_SAN_DIR:-$root/build-san}"
folders=("$@")
[ ${#folders[@]} -gt 0 ] || folders=(audio cluster core dataset features fuzz predict serve tools)

# -O1 with line tables: the usual sanitizer balance of build time, run time and readable reports.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  "-DCMAKE_C_FLAGS_DEBUG=-O1 -gline-tables-only" "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only" \
  -DCALMSPACE_SANITIZE=ON -DCALMSPACE_FUZZ=ON -DCALMSPACE_CUDA=OFF -DCALMSPACE_BENCH=OFF >/dev/null
[ "${CALMSPACE_SAN_CONFIGURE_ONLY:-0}" = 0 ] || exit 0  # scripts/fuzz.sh builds its own targets
if [ "${folders[0]}" = all ]; then
  cmake --build "$build" -j "$(nproc)" -- -k 0
  folders=()
  for dir in "$root"/tests/*/; do
    name="$(basename "$dir")"
    [ -x "$build/tests/${name}_tests" ] && [ "$name" != cuda ] && folders+=("$name")
  done
else
  cmake --build "$build" -j "$(nproc)" -- -k 0 calmspace serve_fixture_model "${folders[@]/%/_tests}"
fi

# A report aborts the process (its test program fails and shows it); leaks are reported at exit.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$root/scripts/lsan_suppressions.txt:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Each folder's test program as a whole, side by side, from where ctest runs them (build-san/tests).
logs="$build/sanitize-logs"
rm -rf "$logs" && mkdir -p "$logs"
run_folder() {
  # The cluster tests' MPI ranks unwind every allocation's stack in full: Open MPI's libraries
  # have no frame pointers, and their leaks are suppressed by the frames the fast unwinder loses
  # (lsan_suppressions.txt).
  local unwind=""
  [ "$1" != cluster ] || unwind=":fast_unwind_on_malloc=0"
  (cd "$build/tests" && ASAN_OPTIONS="$ASAN_OPTIONS$unwind" LSAN_OPTIONS="$LSAN_OPTIONS$unwind" \
    "./$1_tests" --gtest_brief=1 >"$logs/$1.log" 2>&1) &&
    echo "$1: $(grep -o '[0-9]* tests\? from [0-9]* test suites\? ran' "$logs/$1.log" | head -1), passed" ||
    { echo "$1: FAILED"; tail -n 60 "$logs/$1.log"; return 1; }
}
export -f run_folder
export build logs
printf '%s\n' "${folders[@]}" | xargs -P "$(nproc)" -I{} bash -c 'run_folder {}'
