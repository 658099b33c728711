#!/usr/bin/env bash
# Issue 18's measurements, end to end on the CPU, with one fixed recipe (configs/generalise.yaml,
# chosen before any of these runs; RECIPE overrides it) and RAVDESS actors 01-04 never trained on:
#   1. prepare every corpus (RAVDESS, TESS, CASIA, EMOVO) and merge them into one file;
#   2. leave-one-corpus-out: `cv data.fold_by=corpus`, validation (early stopping) always on
#      speaker fold 0 (RAVDESS actors 01-04 and a speaker of the other corpora);
#   3. RAVDESS only, actors 01-04 as the test fold, then that model on every TESS clip;
#   4. the model to ship: every corpus, test fold 0 (RAVDESS 01-04 ...), validation fold 1;
#      its test metrics, RAVDESS 01-04 alone, and its robustness table on RAVDESS 01-04;
#   5. sixfold: the shipped recipe (no early stopping, 40 epochs, every corpus) as a speaker
#      six-fold CV, each fold's model scored on its RAVDESS speakers (issue 18's in-corpus bar);
#   6. calibrate: the shipped model's temperature from folds 1-5 of that CV (fold 0, the
#      shipped model's own test speakers, never used), measured on fold 0 (issue 19);
#   7. robust_aug: the shipped recipe plus room and babble augmentation, same fold as the
#      shipped model, and its robustness table;
#   8. speaker_norm: the shipped settings with speaker-level instead of per-utterance mean
#      normalisation (features.cmvn=none features.speaker_norm=mean): RAVDESS only -> all of
#      TESS, leave-one-corpus-out (no early stopping) for EMOVO, CASIA and RAVDESS, and the
#      shipped model's fold 0 (in-corpus, every corpus trained on).
#   9. prosody: the shipped settings plus pitch and energy columns (features.extra=[pitch,energy])
#      against the same settings without them: RAVDESS 05-24 -> RAVDESS 01-04 and all of TESS
#      (both, with quick robustness tables), leave-one-corpus-out for EMOVO, CASIA and RAVDESS,
#      every corpus fold 0, and RAVDESS six-fold CV (both).
#  10. prosody_speaker: prosody columns and speaker-level normalisation together,
#      leave-one-corpus-out for EMOVO, CASIA and RAVDESS (one thread: it ran beside other work).
#  11. ship_prosody: the model shipped from 2026-12-06, the prosody recipe (9) on every corpus
#      with speaker fold 0 held out; its temperature fitted on the held-out speakers of the same
#      recipe's fold 1 model (fold 0 never used to fit), measured on fold 0; its robustness table;
#      leave-one-TESS-out (the one corpus 9 did not hold out); the LSTM and the tanh RNN with the
#      same recipe as RAVDESS six-fold CVs beside the GRU's (9). One thread each (CELLS, THREADS).
#  12. stacks: the shipped recipe (11) with residual connections and layer normalisation between
#      the recurrent layers (model.residual=true model.layer_norm=true, issue 21), fixed before
#      its runs, as RAVDESS six-fold CVs for the LSTM and the GRU (CELLS).
#  13. stacks_loco: the same stacked GRU, leave-one-corpus-out for the corpus folds LOCO_FOLDS
#      (default 0 and 3: RAVDESS and EMOVO held out).
#  14. frontend: the stacked recipe (12) with the convolutional front-end at its defaults
#      (model.frontend=conv: 2 blocks of 16 channels, 3 x 3 kernels, frequency stride 2, layer
#      norm, ReLU; issue 21), fixed before its runs, as RAVDESS six-fold CVs for CELLS (default
#      lstm gru rnn).
#  15. frontend_bypass: (14) with the prosody columns past the convolution (model.conv_bypass=3:
#      pitch, voicing and energy join the front-end's output), fixed before its runs, for CELLS
#      (default lstm).
#  16. mixup: the stacked recipe (12) with mixup on the training batches (augment.mixup_alpha=0.4,
#      fixed before its runs), as RAVDESS six-fold CVs for CELLS (default gru lstm).
#  17. mixup_loco: the same with the GRU, leave-one-corpus-out for LOCO_FOLDS (default 0 2 3:
#      RAVDESS, CASIA and EMOVO, the held-out corpora with more than two speakers).
#  18. codec: the prosody GRU (9) on RAVDESS 05-24, with codec augmentation (augment.codec_prob=0.5:
#      Opus or AAC at 16, 24 or 32 kbit/s, fixed before its runs) and without (VARIANTS), each
#      with its full robustness table on RAVDESS 01-04 and its UA on all of TESS.
#  19. trim: silence trimming (audio.trim_db=40: frames 40 dB below the clip's loudest 25 ms frame,
#      100 ms margin; fixed before its runs). The silence share of every corpus; the prosody GRU
#      (9) on RAVDESS 05-24 -> RAVDESS 01-04 and all of TESS, also trained on the Python
#      prototype's trimmed copy (bench/trim/trim_silence.py), which must give the same report;
#      the stacked recipe (12) as RAVDESS six-fold CVs for CELLS (default gru lstm);
#      leave-one-corpus-out with the prosody recipe for LOCO_FOLDS (default 0 2 3).
# A run's test report is re-scored under the current rules by `calmspace train --resume RUN_DIR
# --data FILE` once its epochs are done (how the leave-one-RAVDESS-out runs made before 2021e0e
# were scored on the 7 classes training taught).
# Usage: bash bench/run_generalisation.sh [BUILD_DIR=build] [OUT=out/gen]
#        [cv|ravdess|ship|sixfold|calibrate|robust_aug|speaker_norm|prosody|prosody_speaker|
#         ship_prosody|stacks|stacks_loco|frontend|frontend_bypass|mixup|mixup_loco|codec|trim|
#         all]
# Every output lands under OUT (not in git); bench/results/ gets the summary by hand, with these
# commands.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
out="${2:-$root/out/gen}"
what="${3:-all}"
case "$what" in
  cv | ravdess | ship | sixfold | calibrate | robust_aug | speaker_norm | prosody | prosody_speaker | \
    ship_prosody | stacks | stacks_loco | frontend | frontend_bypass | mixup | mixup_loco | codec | \
    trim | all) ;;
  *) echo "run_generalisation: unknown part '$what'" >&2; exit 2 ;;
esac
recipe="${RECIPE:-$root/configs/generalise.yaml}"
threads="${THREADS:-2}"
corpora="${CALMSPACE_CORPORA:-$root/../shared/corpora}"
calmspace="$build/tools/calmspace"
[ -x "$calmspace" ] || { echo "no $calmspace: build first" >&2; exit 1; }
mkdir -p "$out"
cd "$root"

# shellcheck source=bench/lib/prepare_corpora.sh
. "$root/bench/lib/prepare_corpora.sh"
prepare_corpora "$calmspace" "$recipe" "$corpora" "$out"
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
ship_settings=(train.validation=false train.epochs=40 train.num_threads="$threads")
# Under $out/DIR: leave-one-corpus-out for the corpus folds listed, then every corpus with speaker
# fold 0 held out and that model on RAVDESS 01-04, all with the settings that follow.
corpus_runs() {  # DIR "FOLDS" settings...
  local dir="$1" folds="$2"
  shift 2
  for k in $folds; do
    "$calmspace" train "$recipe" --data "$out/all.h5" --out "$out/$dir/loco/fold_$k" \
      data.fold_by=corpus train.test_fold="$k" "$@" --no-plots
  done
  "$calmspace" train "$recipe" --data "$out/all.h5" --out "$out/$dir/fold0" train.test_fold=0 \
    "$@" --no-plots
  "$calmspace" eval "$out/$dir/fold0" --data "$out/ravdess.h5" --out "$out/$dir/fold0/eval_ravdess" \
    --no-plots
}
if [ "$what" = sixfold ] || [ "$what" = all ]; then
  "$calmspace" cv "$recipe" --data "$out/all.h5" --out "$out/sixfold_gru" "${ship_settings[@]}"
  for k in 0 1 2 3 4 5; do
    "$calmspace" eval "$out/sixfold_gru/fold_$k" --data "$out/ravdess.h5" \
      --out "$out/sixfold_gru/fold_$k/eval_ravdess" --no-plots
  done
fi
if [ "$what" = calibrate ] || [ "$what" = all ]; then
  "$calmspace" calibrate "$out/sixfold_gru/fold_0" --data "$out/all.h5" --cv "$out/sixfold_gru" \
    --folds 1,2,3,4,5 --unseen-corpus-ua 0.252 --out "$out/calibrated.safetensors" --overwrite
  for data in all ravdess; do
    "$calmspace" eval "$out/calibrated.safetensors" --data "$out/$data.h5" \
      --out "$out/cal_eval/cal_$data" --no-plots
  done
  "$calmspace" calibrate "$out/sixfold_gru/fold_0" --data "$out/all.h5" --cv "$out/loco" \
    --out "$out/calibrated_loco.safetensors" --overwrite
fi
if [ "$what" = robust_aug ] || [ "$what" = all ]; then
  "$calmspace" train "$recipe" --data "$out/all.h5" --out "$out/ship_v3" train.test_fold=0 \
    "${ship_settings[@]}" augment.reverb_prob=0.3 augment.babble_prob=0.3 --no-plots
  "$calmspace" eval "$out/ship_v3" --data "$out/ravdess.h5" --out "$out/ship_v3/eval_ravdess_01_04" \
    --no-plots
  "$calmspace" robustness "$out/ship_v3" --data "$out/ravdess.h5" --out "$out/ship_v3/robustness" \
    --no-plots
fi
if [ "$what" = speaker_norm ] || [ "$what" = all ]; then
  speaker=(features.cmvn=none features.speaker_norm=mean "${ship_settings[@]}")
  "$calmspace" train "$recipe" --data "$out/ravdess.h5" --out "$out/spk/ravdess_gru" \
    train.test_fold=0 "${speaker[@]}" --no-plots
  "$calmspace" eval "$out/spk/ravdess_gru" --data "$out/tess.h5" \
    --out "$out/spk/ravdess_gru/eval_tess" --no-plots
  corpus_runs spk "3 2 0" "${speaker[@]}"  # EMOVO, CASIA, RAVDESS held out
fi
if [ "$what" = prosody ] || [ "$what" = all ]; then
  for variant in prosody base; do
    extra=()
    [ "$variant" = prosody ] && extra=("features.extra=[pitch,energy]")
    suffix=$([ "$variant" = prosody ] && echo "" || echo "_base")
    "$calmspace" train "$recipe" --data "$out/ravdess.h5" --out "$out/pro/ravdess_gru$suffix" \
      train.test_fold=0 "${extra[@]}" "${ship_settings[@]}" --no-plots
    "$calmspace" eval "$out/pro/ravdess_gru$suffix" --data "$out/tess.h5" \
      --out "$out/pro/ravdess_gru$suffix/eval_tess" --no-plots
    "$calmspace" robustness "$out/pro/ravdess_gru$suffix" --data "$out/ravdess.h5" --quick \
      --out "$out/pro/ravdess_gru$suffix/robustness_quick" --no-plots
    "$calmspace" cv "$recipe" --data "$out/ravdess.h5" --out "$out/pro/sixfold_ravdess_gru$suffix" \
      "${extra[@]}" "${ship_settings[@]}"
  done
  prosody=("features.extra=[pitch,energy]" "${ship_settings[@]}")
  corpus_runs pro "3 2 0" "${prosody[@]}"  # EMOVO, CASIA, RAVDESS held out
fi
if [ "$what" = prosody_speaker ] || [ "$what" = all ]; then
  both=("features.extra=[pitch,energy]" features.cmvn=none features.speaker_norm=mean
    train.validation=false train.epochs=40 train.num_threads=1)
  for k in 3 2 0; do  # EMOVO, CASIA, RAVDESS held out
    "$calmspace" train "$recipe" --data "$out/all.h5" --out "$out/prospk/loco/fold_$k" \
      data.fold_by=corpus train.test_fold="$k" "${both[@]}" --no-plots
  done
fi
if [ "$what" = ship_prosody ] || [ "$what" = all ]; then
  prosody=("features.extra=[pitch,energy]" "${ship_settings[@]}")
  "$calmspace" train "$recipe" --data "$out/all.h5" --out "$out/ship_pro" train.test_fold=0 \
    "${prosody[@]}" --no-plots
  "$calmspace" eval "$out/ship_pro" --data "$out/ravdess.h5" \
    --out "$out/ship_pro/eval_ravdess_01_04" --no-plots
  "$calmspace" train "$recipe" --data "$out/all.h5" --out "$out/ship_pro_cal/fold_1" \
    train.test_fold=1 "${prosody[@]}" --no-plots
  # unseen-corpus UA: the recipe's mean leave-one-corpus-out UA over the four corpora (part 5's
  # RAVDESS, EMOVO and CASIA runs, and TESS below).
  "$calmspace" train "$recipe" --data "$out/all.h5" --out "$out/pro/loco/fold_1" \
    data.fold_by=corpus train.test_fold=1 "${prosody[@]}" --no-plots
  "$calmspace" calibrate "$out/ship_pro" --data "$out/all.h5" --cv "$out/ship_pro_cal" --folds 1 \
    --unseen-corpus-ua "${UNSEEN_UA:?set UNSEEN_UA to the mean LOCO UA}" \
    --out "$out/ship_pro.safetensors" --overwrite
  for data in all ravdess; do
    "$calmspace" eval "$out/ship_pro.safetensors" --data "$out/$data.h5" \
      --out "$out/ship_pro/cal_eval_$data" --no-plots
  done
  "$calmspace" robustness "$out/ship_pro.safetensors" --data "$out/ravdess.h5" \
    --out "$out/ship_pro/robustness"
  for cell in ${CELLS:-lstm rnn}; do
    "$calmspace" cv "$recipe" --data "$out/ravdess.h5" --out "$out/pro/sixfold_ravdess_$cell" \
      model.cell="$cell" "${prosody[@]}"
  done
fi
stacked=("model.residual=true" "model.layer_norm=true" "features.extra=[pitch,energy]"
  "${ship_settings[@]}")
if [ "$what" = stacks ] || [ "$what" = all ]; then
  for cell in ${CELLS:-lstm gru}; do
    "$calmspace" cv "$recipe" --data "$out/ravdess.h5" --out "$out/stack/sixfold_ravdess_$cell" \
      model.cell="$cell" "${stacked[@]}"
  done
fi
if [ "$what" = stacks_loco ] || [ "$what" = all ]; then
  for k in ${LOCO_FOLDS:-0 3}; do
    "$calmspace" train "$recipe" --data "$out/all.h5" --out "$out/stack/loco/fold_$k" \
      data.fold_by=corpus train.test_fold="$k" model.cell=gru "${stacked[@]}" --no-plots
  done
fi
if [ "$what" = frontend ] || [ "$what" = all ]; then
  for cell in ${CELLS:-lstm gru rnn}; do
    "$calmspace" cv "$recipe" --data "$out/ravdess.h5" --out "$out/frontend/sixfold_ravdess_$cell" \
      model.cell="$cell" "${stacked[@]}" model.frontend=conv
  done
fi
if [ "$what" = frontend_bypass ] || [ "$what" = all ]; then
  for cell in ${CELLS:-lstm}; do
    "$calmspace" cv "$recipe" --data "$out/ravdess.h5" \
      --out "$out/frontend/sixfold_ravdess_${cell}_bypass" model.cell="$cell" "${stacked[@]}" \
      model.frontend=conv model.conv_bypass=3
  done
fi
mixup=("${stacked[@]}" "augment.mixup_alpha=0.4" train.device=cpu)  # mixup: CPU backend only
if [ "$what" = mixup ] || [ "$what" = all ]; then
  for cell in ${CELLS:-gru lstm}; do
    "$calmspace" cv "$recipe" --data "$out/ravdess.h5" --out "$out/mixup/sixfold_ravdess_$cell" \
      model.cell="$cell" "${mixup[@]}"
  done
fi
if [ "$what" = mixup_loco ] || [ "$what" = all ]; then
  for k in ${LOCO_FOLDS:-0 2 3}; do
    "$calmspace" train "$recipe" --data "$out/all.h5" --out "$out/mixup/loco/fold_$k" \
      data.fold_by=corpus train.test_fold="$k" model.cell=gru "${mixup[@]}" --no-plots
  done
fi
if [ "$what" = codec ] || [ "$what" = all ]; then
  for variant in ${VARIANTS:-codec plain}; do
    extra=()
    [ "$variant" = codec ] && extra=("augment.codec_prob=0.5")
    run="$out/codec/ravdess_gru_$variant"
    "$calmspace" train "$recipe" --data "$out/ravdess.h5" --out "$run" train.test_fold=0 \
      "features.extra=[pitch,energy]" "${extra[@]}" "${ship_settings[@]}" --no-plots
    "$calmspace" eval "$run" --data "$out/tess.h5" --out "$run/eval_tess" --no-plots
    "$calmspace" robustness "$run" --data "$out/ravdess.h5" --threads "$threads" \
      --out "$run/robustness"
  done
fi
trim=("audio.trim_db=40")  # fixed before any trimmed run: 40 dB, the default 100 ms margin
if [ "$what" = trim ] || [ "$what" = all ]; then
  python3 bench/trim/silence_share.py "$out"/{ravdess,tess,casia,emovo}.h5
  # The prototype's copy: training on it gives the option's run digit for digit.
  mkdir -p "$out/trim"
  [ -f "$out/trim/ravdess.h5" ] || python3 bench/trim/trim_silence.py "$out/ravdess.h5" \
    "$out/trim/ravdess.h5" --top-db 40 --margin-ms 100
  "$calmspace" train "$recipe" --data "$out/trim/ravdess.h5" --out "$out/trim/ravdess_gru_prototype" \
    train.test_fold=0 "features.extra=[pitch,energy]" "${ship_settings[@]}" --no-plots
  run="$out/trim/ravdess_gru"
  "$calmspace" train "$recipe" --data "$out/ravdess.h5" --out "$run" train.test_fold=0 \
    "features.extra=[pitch,energy]" "${trim[@]}" "${ship_settings[@]}" --no-plots
  cmp "$run/report.json" "$out/trim/ravdess_gru_prototype/report.json"
  "$calmspace" eval "$run" --data "$out/tess.h5" --out "$run/eval_tess" --no-plots
  for cell in ${CELLS:-gru lstm}; do
    "$calmspace" cv "$recipe" --data "$out/ravdess.h5" --out "$out/trim/sixfold_${cell}_stack" \
      model.cell="$cell" "${stacked[@]}" "${trim[@]}"
  done
  for k in ${LOCO_FOLDS:-0 2 3}; do
    "$calmspace" train "$recipe" --data "$out/all.h5" --out "$out/trim/loco/fold_$k" \
      data.fold_by=corpus train.test_fold="$k" "features.extra=[pitch,energy]" "${trim[@]}" \
      "${ship_settings[@]}" --no-plots
  done
fi
