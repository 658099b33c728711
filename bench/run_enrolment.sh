#!/usr/bin/env bash
# Issue 25's enrolment measurement: a model trained with speaker-level normalisation
# (configs/generalise.yaml with features.cmvn=none features.speaker_norm=mean, 40 epochs, no
# validation, RAVDESS actors 05-24: part 3's "speaker_norm" RAVDESS-only recipe, fixed before)
# scored on speakers it never heard, RAVDESS actors 01-04 and every speaker of TESS, CASIA and
# EMOVO, with each clip's own statistics, with each speaker's statistics from N = 1, 2, 4 neutral
# clips (never scored), and with all of the speaker's clips (`calmspace enrolment`); then the same
# for a model trained with neutral-only speaker statistics (features.speaker_norm_label=neutral).
# Usage: bash bench/run_enrolment.sh [BUILD_DIR=build] [OUT=out/gen]   (THREADS, default 2)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
out="${2:-$root/out/gen}"
threads="${THREADS:-2}"
corpora="${CALMSPACE_CORPORA:-$root/../shared/corpora}"
calmspace="$build/tools/calmspace"
[ -x "$calmspace" ] || { echo "no $calmspace: build first" >&2; exit 1; }
mkdir -p "$out"
cd "$root"
recipe=configs/generalise.yaml
# shellcheck source=bench/lib/prepare_corpora.sh
. "$root/bench/lib/prepare_corpora.sh"
prepare_corpora "$calmspace" "$recipe" "$corpora" "$out"
model="$out/spk_ravdess"
[ -f "$model/report.json" ] || "$calmspace" train "$recipe" --data "$out/ravdess.h5" --out "$model" \
  features.cmvn=none features.speaker_norm=mean train.validation=false train.epochs=40 \
  train.test_fold=0 train.num_threads="$threads" --no-plots
# The same with each training speaker's statistics from their neutral clips only: what
# enrolment from a neutral reading gives at inference.
neutral="$out/spk_neutral_ravdess"
[ -f "$neutral/report.json" ] || "$calmspace" train "$recipe" --data "$out/ravdess.h5" \
  --out "$neutral" features.cmvn=none features.speaker_norm=mean \
  features.speaker_norm_label=neutral train.validation=false train.epochs=40 train.test_fold=0 \
  train.num_threads="$threads" --no-plots
for run in "$model" "$neutral"; do
  for corpus in ravdess tess casia emovo; do
    echo "== $(basename "$run") on $corpus"
    "$calmspace" enrolment "$run" --data "$out/$corpus.h5" --label neutral --clips 1,2,4 \
      --threads "$threads" --out "$run/enrolment_$corpus.json"
  done
done
