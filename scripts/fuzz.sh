#!/usr/bin/env bash
# Fuzzes CalmSpace's input parsers (fuzz/fuzz_targets.h) with libFuzzer under ASan + UBSan, in the
# checked build of scripts/sanitize.sh (build-san/, or $CALMSPACE_SAN_DIR).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]   default 60 s, every target
# Targets run side by side (one per core). Seeds come from fuzz_make_seeds (recordings in every
# format, the corpora's quirks/, configs, datasets, models, HTTP requests); what a run learns stays
# in build-san/fuzz/corpus/<target>/ for the next. Exit 1 when a target crashed, hung (10 s),
# leaked or used over 2 GB: the input is in build-san/fuzz/findings/; reproduce it with
# `build-san/fuzz/fuzz_<target> FILE`, fix, and add FILE to fuzz/regressions/<target>/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CALMSPACE_SAN_DIR:-$root/build-san}"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config dataset_file decode_audio http_request model_file onnx_model pcm_stream)

CALMSPACE_SAN_CONFIGURE_ONLY=1 "$root/scripts/sanitize.sh"
cmake --build "$build" -j "$(nproc)" --target fuzz_make_seeds "${targets[@]/#/fuzz_}"

work="$build/fuzz"
rm -rf "$work/seeds" "$work/findings" "$work/logs"
mkdir -p "$work/findings" "$work/logs"
"$build/fuzz/fuzz_make_seeds" "$work/seeds" "${CALMSPACE_CORPORA:-$root/../shared/corpora}"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export LSAN_OPTIONS="suppressions=$root/scripts/lsan_suppressions.txt:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
run_one() {
  local target="$1"
  mkdir -p "$work/corpus/$target" "$work/seeds/$target"
  # -max_len: recordings, datasets and requests of up to 64 KiB; -timeout: a hang is 10 s.
  "$build/fuzz/fuzz_$target" "$work/corpus/$target" "$work/seeds/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$work/findings/$target-" \
    >"$work/logs/$target.log" 2>&1 && echo "$target: ok" ||
    { echo "$target: FAILED"; touch "$work/findings/$target-failed"; }
}
export -f run_one
export work seconds build
printf '%s\n' "${targets[@]}" | xargs -P "$(nproc)" -I{} bash -c 'run_one {}' | sort

status=0
for target in "${targets[@]}"; do
  log="$work/logs/$target.log"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
  echo "$target: ${runs:-?} inputs in ${seconds} s, ${cov:-cov: ?}, corpus $(ls "$work/corpus/$target" | wc -l)"
done
for finding in "$work"/findings/*; do
  [ -e "$finding" ] || continue
  status=1
  echo "FINDING: $finding (log: $work/logs/$(basename "$finding" | cut -d- -f1).log)"
  [ "${finding##*-}" = failed ] && tail -n 30 "$work/logs/$(basename "$finding" | cut -d- -f1).log"
done
exit $status
