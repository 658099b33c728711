#!/usr/bin/env bash
# Recurrent layers from a shape table: CalmSpace (bench/recurrent_bench.cpp) and PyTorch
# (bench/peers/torch_recurrent.py) on the same shapes, same thread count, in the same run.
# Builds nothing. Usage:
#   bench/run_recurrent_bench.sh BUILD_DIR [TABLE=configs/bench/quick.yaml] [REPETITIONS=3]
#                                [MIN_TIME_S=0.5] [THREADS=all] [FILTER=regex] [LABEL]
# LABEL "smoke" marks a result as a smoke run (a check that the suite works, not a measurement).
# Writes bench/results/recurrent_<backend>_<table>_<UTC date>[_LABEL].json: the machine record
# (bench/lib/machine.py), the command, both raw outputs and the median table with the
# CalmSpace / PyTorch ratio; bench/make_results.py turns it into bench/RESULTS.md.
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR [TABLE] [REPETITIONS] [MIN_TIME_S] [THREADS] [FILTER] [LABEL]}
root=$(cd "$(dirname "$0")/.." && pwd)
table=${2:-$root/configs/bench/quick.yaml}
reps=${3:-3}
min_time=${4:-0.5}
threads=${5:-$(nproc)}
filter=${6:-.}
label=${7:-}
bench="$build/bench/recurrent_bench"
python=/usr/bin/python3  # Debian's interpreter: python3-torch lives there
[[ -x $bench ]] || { echo "no $bench: build the recurrent_bench target first" >&2; exit 1; }

stamp=$(date -u +%Y-%m-%d)
name=$(basename "$table" .yaml)
out="$root/bench/results/recurrent_cpu_${name}_${stamp}${label:+_$label}.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bench" --table="$table" --threads="$threads" --benchmark_filter="$filter" \
  --benchmark_repetitions="$reps" --benchmark_min_time="$min_time" \
  --benchmark_out="$tmp/calmspace.json" --benchmark_out_format=json >/dev/null
# The peer reads the same table; FILTER is a regex on the same benchmark names there.
peer_filter=$(sed 's|recurrent/cpu/|recurrent/torch/|g' <<<"$filter")
OMP_WAIT_POLICY=PASSIVE "$python" "$root/bench/peers/torch_recurrent.py" --table "$table" \
  --threads "$threads" --filter "$peer_filter" --repetitions "$reps" --min-time "$min_time" \
  >"$tmp/torch.json"

"$python" - "$tmp" "$out" "$root" "$build" "$*" "$label" <<'PY'
import json, os, sys
tmp, out, root, build, args, label = sys.argv[1:7]
sys.path.insert(0, os.path.join(root, "bench", "lib"))
import machine  # noqa: E402

cs = json.load(open(os.path.join(tmp, "calmspace.json")))
pt = json.load(open(os.path.join(tmp, "torch.json")))
ours = {}
for b in cs["benchmarks"]:
    if b.get("run_type") != "iteration":
        continue
    if b.get("error_occurred"):
        raise SystemExit(f"{b['name']}: {b.get('error_message')}")
    key = b["run_name"].split("/", 2)[2].replace("/manual_time", "")  # <pass>/<cell>/<shape>
    ours.setdefault(key, []).append(b)
peer = {b["name"].split("/", 2)[2]: b for b in pt["benchmarks"]}
rows = []
for key, runs in ours.items():
    ms = [r["real_time"] for r in runs]  # manual time, milliseconds
    med = machine.median(ms)
    r = {"benchmark": key, "calmspace_ms": med, "calmspace_ms_min": min(ms),
         "calmspace_ms_max": max(ms), "clips_per_s": machine.median([x["clips_per_s"] for x in runs]),
         "GFLOP_per_s": machine.median([x["GFLOP_per_s"] for x in runs]),
         "check": runs[0].get("label", "")}
    if key in peer:
        r["torch_ms"] = 1e3 * peer[key]["seconds_median"]
        r["speedup_vs_torch"] = r["torch_ms"] / med  # > 1: CalmSpace faster
    rows.append(r)
m = machine.record(root, build, cs["context"],
                   dirty_paths=["core/model", "core/bench", "bench/recurrent_bench.cpp", "bench/lib",
                                "bench/peers/torch_recurrent.py"],
                   extra={"torch": pt["torch"], "torch_env": "OMP_WAIT_POLICY=PASSIVE"})
result = {"kind": "recurrent", "backend": cs["context"].get("backend", "cpu"),
          "smoke": label == "smoke", "label": label,
          "command": f"bench/run_recurrent_bench.sh {args}",
          "table": cs["context"].get("shape_tables"), "machine": m,
          "flop_convention": cs["context"].get("flop_convention"),
          "backward": cs["context"].get("backward"), "rows": rows,
          "raw": {"calmspace": cs, "torch": pt}}
os.makedirs(os.path.dirname(out), exist_ok=True)
json.dump(result, open(out, "w"), indent=1)
for r in rows:
    ratio = f"{r['speedup_vs_torch']:.2f}x" if "speedup_vs_torch" in r else "-"
    print(f"{r['benchmark']:<48} {r['calmspace_ms']:9.3f} ms  {r['GFLOP_per_s']:7.2f} GFLOP/s  torch/calmspace {ratio}")
print(f"wrote {os.path.relpath(out, root)}")
PY
