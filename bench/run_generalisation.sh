#!/usr/bin/env bash
# Issue 18's measurements, end to end on the CPU, with one fixed recipe (configs/generalise.yaml,
# chosen before any of these runs; RECIPE overrides it) and RAVDESS actors 01-04 never trained on:
#   1. prepare every corpus (RAVDESS, TESS, CASIA, EMOVO) and merge them into one file;
#   2. leave-one-corpus-out: `cv data.fold_by=corpus`, validation (early stopping) always on
#      speaker fold 0 (RAVDESS actors 01-04 and a speaker of the other corpora);
#   3. RAVDESS only, actors 01-04 as the test fold, then that model on every TESS clip;
#   4. the model to ship: every corpus, test fold 0 (RAVDESS 01-04 ...), validation fold 1;
#      its test metrics, RAVDESS 01-04 alone, and its robustness table on RAVDESS 01-04.
# Usage: bash bench/run_generalisation.sh [BUILD_DIR=build] [OUT=out/gen] [cv|ravdess|ship|all]
# Every output lands under OUT (not in git); bench/results/ gets the summary by hand, with these
# commands.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
out="${2:-$root/out/gen}"
what="${3:-all}"
recipe="${RECIPE:-$root/configs/generalise.yaml}"
threads="${THREADS:-2}"
corpora="${CALMSPACE_CORPORA:-$root/../shared/corpora}"
calmspace="$build/tools/calmspace"
[ -x "$calmspace" ] || { echo "no $calmspace: build first" >&2; exit 1; }
mkdir -p "$out"
cd "$root"

prepare() {  # name kind root [overrides...]
  local name="$1" kind="$2" src="$3"
  shift 3
  [ -f "$out/$name.h5" ] || "$calmspace" prepare "$kind" --root "$src" --out "$out/$name.h5" \
    --config "$recipe" data.store_features=false "$@"
}
prepare ravdess ravdess "$corpora/ravdess"
prepare tess tess "$corpora/tess" data.num_folds=2
prepare casia csv "$corpora/casia/manifest.csv" data.num_folds=4
prepare emovo csv "$corpora/emovo/manifest.csv"
[ -f "$out/all.h5" ] || "$calmspace" merge "$out/ravdess.h5" "$out/tess.h5" "$out/casia.h5" \
  "$out/emovo.h5" --out "$out/all.h5" --config "$recipe"

if [ "$what" = ship ] || [ "$what" = all ]; then
  "$calmspace" train "$recipe" --data "$out/all.h5" --out "$out/ship" train.test_fold=0 \
    train.valid_fold=1 train.num_threads="$threads" --no-plots
  "$calmspace" eval "$out/ship" --data "$out/ravdess.h5" --out "$out/ship/eval_ravdess_01_04"
  "$calmspace" robustness "$out/ship" --data "$out/ravdess.h5" --out "$out/ship/robustness"
fi
if [ "$what" = cv ] || [ "$what" = all ]; then
  "$calmspace" cv "$recipe" --data "$out/all.h5" --out "$out/loco" data.fold_by=corpus \
    train.valid_fold=0 train.num_threads="$threads"
fi
if [ "$what" = ravdess ] || [ "$what" = all ]; then
  for cell in ${CELLS:-gru}; do
    "$calmspace" train "$recipe" --data "$out/ravdess.h5" --out "$out/ravdess_$cell" \
      model.cell="$cell" train.test_fold=0 train.num_threads="$threads" --no-plots
    "$calmspace" eval "$out/ravdess_$cell" --data "$out/tess.h5" --out "$out/ravdess_$cell/eval_tess" \
      --no-plots
    "$calmspace" robustness "$out/ravdess_$cell" --data "$out/ravdess.h5" --quick \
      --out "$out/ravdess_$cell/robustness_quick" --no-plots
  done
fi
