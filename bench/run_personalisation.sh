#!/usr/bin/env bash
# Issue 25's simulated users: for each speaker the shipped model never trained on (RAVDESS actors
# 01-04, EMOVO f1), 2 clips per emotion fine-tune the model (RECIPE, by default the shipped
# configs/finetune.yaml; a results page that compares with an earlier recipe pins it:
# `git show 1e55c2f:configs/finetune.yaml > out/finetune_1e55c2f.yaml`, RECIPE=that file) and
# every other clip of that speaker tests it, beside the base model on the same
# clips. Prints the table; OUT/summary_tuned.json holds it. Then (NESTED=1, the default) the same
# users with the recipe chosen per user from their own corrections (bench/personal/nested.py):
# OUT/summary_nested.json.
# Usage: bash bench/run_personalisation.sh [BUILD_DIR=build] [OUT=out/personal]
# Env: MODEL (default models/calmspace-gru.safetensors), RECIPE (configs/finetune.yaml),
#      PER_CLASS (2), SEED (1: which clips each user corrects), FOLD (0: which speaker fold's
#      users; 1 = the development users of the recipe's fold-1 model), THREADS (2), VARIANT (run
#      folder name, "tuned"), OVERRIDES (train overrides), NESTED (1), CALMSPACE_CORPORA.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
out="${2:-$root/out/personal}"
model="${MODEL:-$root/models/calmspace-gru.safetensors}"
recipe="${RECIPE:-$root/configs/finetune.yaml}"
variant="${VARIANT:-tuned}"
threads="${THREADS:-2}"
corpora="${CALMSPACE_CORPORA:-$root/../shared/corpora}"
calmspace="$build/tools/calmspace"
[ -x "$calmspace" ] || { echo "no $calmspace: build first" >&2; exit 1; }
mkdir -p "$out"
/usr/bin/python3 "$root/bench/personal/simulated_users.py" "$corpora" "$out/manifests" \
  --per-class "${PER_CLASS:-2}" --seed "${SEED:-1}" --fold "${FOLD:-0}"
# The model's own label set, in its order: every user's dataset is prepared onto it.
labels="$(/usr/bin/python3 - "$model" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:  # a safetensors header holds the labels in its metadata
    n = struct.unpack("<Q", f.read(8))[0]
    print(",".join(json.loads(json.loads(f.read(n))["__metadata__"]["labels"])))
PY
)"
for manifest in "$out"/manifests/*.csv; do
  user="$(basename "$manifest" .csv)"
  dir="$out/$user"
  mkdir -p "$dir"
  [ -f "$dir/data.h5" ] || "$calmspace" prepare csv --root "$manifest" --out "$dir/data.h5" \
    "data.labels=[$labels]" 2>"$dir/prepare.log"
  [ -f "$dir/base/report.json" ] || "$calmspace" eval "$model" --data "$dir/data.h5" --split test \
    --out "$dir/base" --threads "$threads" --no-plots >/dev/null
  [ -f "$dir/$variant/report.json" ] || "$calmspace" train "$recipe" --init "$model" \
    --data "$dir/data.h5" --out "$dir/$variant" --overwrite train.num_threads="$threads" --no-plots \
    ${OVERRIDES:-} \
    >"$dir/$variant.log" 2>&1
done
/usr/bin/python3 "$root/bench/personal/summarise.py" "$out" "$variant"
# The same users with the recipe chosen per user on their own corrections (nested selection).
if [ "${NESTED:-1}" = 1 ]; then
  /usr/bin/python3 "$root/bench/personal/nested.py" "$calmspace" "$model" "$out" --recipe "$recipe" \
    --labels "$labels" --threads "$threads"
fi
