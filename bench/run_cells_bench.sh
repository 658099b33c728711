#!/usr/bin/env bash
# The cell comparison with its PyTorch peer in one go: the same recipe and dataset, the same
# threads. Builds nothing. Usage:
#   bench/run_cells_bench.sh CONFIG DATA.h5 OUT [THREADS=all] [FOLDS=0 (all)] [PEER_EPOCHS=2]
#                            [LABEL] [section.key=value ...]
# 1. OUT/recipe.yaml: the resolved recipe (`calmspace bench CONFIG --print-config`, overrides and
#    train.num_threads=THREADS applied); the peers read it as it is.
# 2. bench/peers/torch_cells.py (PYTHON, default Debian's /usr/bin/python3) on each device of
#    PEER_DEVICES (default "cpu"; "cpu cuda" on a machine whose PyTorch has a GPU): PEER_EPOCHS
#    timed epochs of fold 0 after one untimed warm-up epoch, torch.set_num_threads(THREADS),
#    OMP_WAIT_POLICY=PASSIVE (its spin-waiting OpenMP workers otherwise oversubscribe small
#    machines): OUT/peer_<device>.json.
#    EXTRA_PEERS="FILE ..." adds peer results made elsewhere from OUT/recipe.yaml (a GPU machine:
#    torch_cells.py OUT/recipe.yaml --resolved --data DATA --device cuda --out peer_gpu.json).
# 3. `calmspace bench` (BUILD, default ./build) with --peer-json for every peer: OUT/bench.json,
#    OUT/bench.md with the CalmSpace / PyTorch ratios, the runs and plots.
# 4. A copy of bench.json (plus the runner command, and "smoke" when LABEL is smoke) in
#    bench/results/cells_<data>_<config>_<UTC date>[_LABEL].json for bench/make_results.py.
set -euo pipefail

usage="usage: $0 CONFIG DATA.h5 OUT [THREADS] [FOLDS] [PEER_EPOCHS] [LABEL] [key=value ...]"
config=${1:?$usage}
data=${2:?$usage}
out=${3:?$usage}
threads=${4:-$(nproc)}
folds=${5:-0}
epochs=${6:-2}
label=${7:-}
overrides=("${@:8}")
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
bin="$build/tools/calmspace"
python=${PYTHON:-/usr/bin/python3}
[[ -x $bin ]] || { echo "no $bin: build the calmspace target first (or set BUILD)" >&2; exit 1; }

mkdir -p "$out"
"$bin" bench "$config" --data "$data" --out "$out" --print-config \
  "${overrides[@]}" "train.num_threads=$threads" >"$out/recipe.yaml"

peers=()
for device in ${PEER_DEVICES:-cpu}; do
  OMP_WAIT_POLICY=PASSIVE "$python" "$root/bench/peers/torch_cells.py" "$out/recipe.yaml" \
    --resolved --data "$data" --device "$device" --threads "$threads" --epochs "$epochs" \
    --out "$out/peer_${device%%:*}.json"
  peers+=(--peer-json "$out/peer_${device%%:*}.json")
done
for extra in ${EXTRA_PEERS:-}; do peers+=(--peer-json "$extra"); done

"$bin" bench "$config" --data "$data" --out "$out" --folds "$folds" "${peers[@]}" \
  "${overrides[@]}" "train.num_threads=$threads"

stamp=$(date -u +%Y-%m-%d)
result="$root/bench/results/cells_$(basename "$data" .h5)_$(basename "$config" .yaml)_${stamp}${label:+_$label}.json"
"$python" - "$out/bench.json" "$result" "$label" "bench/run_cells_bench.sh $*" <<'PY'
import json, os, sys
src, dst, label, command = sys.argv[1:5]
bench = json.load(open(src))
bench.update({"runner_command": command, "label": label, "smoke": label == "smoke"})
os.makedirs(os.path.dirname(dst), exist_ok=True)
with open(dst + ".tmp", "w") as f:
    json.dump(bench, f, indent=1)
os.replace(dst + ".tmp", dst)
print(f"wrote {dst}")
PY
