#!/usr/bin/env bash
# Which clips should weigh in a temperature fit (issue 19's calibration bar): the shipped
# recipe's fold-1 and fold-2 models (run_generalisation.sh part 6, OUT/ship_pro_cal/fold_K) are
# calibrated on each other's held-out speakers, weighing clips, speakers or corpora equally, and
# each is measured on its own held-out speakers (`calmspace eval`: ECE over 15 bins, and
# predictions.csv for the per-corpus figures). The shipped model's fold 0 is never used to choose.
# Then the shipped model (OUT/ship_pro) gets the chosen weighting's T from folds 1 and 2 pooled
# and is measured on fold 0 once.
# Usage: bash bench/run_calibration_study.sh [BUILD_DIR=build] [OUT=out/gen] [STUDY=out/cal]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
calmspace="$(cd "${1:-$root/build}" && pwd)/tools/calmspace"
gen="${2:-$root/out/gen}"
study="${3:-$root/out/cal}"
mkdir -p "$study"
for weigh in clips speakers corpora; do
  for pair in "1 2" "2 1"; do
    read -r fit_on measured <<<"$pair"
    model="$study/f${measured}_T${fit_on}_$weigh.h5"
    "$calmspace" calibrate "$gen/ship_pro_cal/fold_$measured" --data "$gen/all.h5" \
      --cv "$gen/ship_pro_cal" --folds "$fit_on" --weigh "$weigh" --out "$model" --threads 1 \
      --overwrite
    "$calmspace" eval "$model" --data "$gen/all.h5" --out "$study/eval_f${measured}_T${fit_on}_$weigh" \
      --threads 1 --no-plots
  done
done
"$calmspace" calibrate "$gen/ship_pro" --data "$gen/all.h5" --cv "$gen/ship_pro_cal" --folds 1,2 \
  --weigh corpora --unseen-corpus-ua 0.288 --out "$study/ship_corpora.safetensors" --threads 1 \
  --overwrite
"$calmspace" eval "$study/ship_corpora.safetensors" --data "$gen/all.h5" \
  --out "$study/eval_ship_corpora_all" --threads 1 --no-plots
"$calmspace" eval "$root/models/calmspace-gru.safetensors" --data "$gen/all.h5" \
  --out "$study/eval_shipped_all" --threads 1 --no-plots
# For comparison only, never a choice: the shipped run at T = 1, and a T fitted on fold 0 itself.
"$calmspace" eval "$gen/ship_pro" --data "$gen/all.h5" --out "$study/eval_ship_T1" --threads 1 \
  --no-plots
"$calmspace" calibrate "$gen/ship_pro" --data "$gen/all.h5" --weigh clips \
  --out "$study/oracle0.h5" --threads 1 --overwrite
/usr/bin/python3 "$root/bench/lib/ece_by_corpus.py" "$study"/eval_*/predictions.csv
