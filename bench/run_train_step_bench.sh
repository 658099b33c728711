#!/usr/bin/env bash
# CPU training-step throughput of the sequence model: CalmSpace (bench/train_step_bench.cpp) vs
# PyTorch (bench/peers/torch_train_step.py), rnn / lstm / gru, hidden 128, 2 layers, 64 inputs,
# batch 32 x 400 frames, mean pooling, 8 classes, Adam; at 1 and 2 threads; forward alone too.
# STACK=1: the same with model.residual and model.layer_norm between the two layers (the peer
# with --stack), written to train_step_cpu_stack_<date>.md. STACK=2: that and the convolutional
# front-end (model.frontend = conv; the peer with --stack --frontend), written to
# train_step_cpu_frontend_<date>.md. TAG=x appends _x to the file's name (a second run on one
# day). Builds nothing. Usage:
#   [STACK=1|2] [TAG=x] bench/run_train_step_bench.sh BUILD_DIR [REPETITIONS=3] [MIN_TIME_S=2]
# Prints a table (median clips per second, ratio CalmSpace / PyTorch) and writes it with the raw
# outputs and the machine (CPU, load, git revision, date, versions) to
# bench/results/train_step_cpu_<UTC date>.md.
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR [REPETITIONS] [MIN_TIME_S]}
reps=${2:-3}
min_time=${3:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
bench="$build/bench/train_step_bench"
python=/usr/bin/python3  # Debian's interpreter: python3-torch lives there
[[ -x $bench ]] || { echo "no $bench: build the train_step_bench target first" >&2; exit 1; }

stamp=$(date -u +%Y-%m-%d)
stack=${STACK:-0}
peer_stack=()
name=train_step_cpu
if [[ $stack == 1 ]]; then peer_stack=(--stack); name=train_step_cpu_stack; fi
if [[ $stack == 2 ]]; then peer_stack=(--stack --frontend); name=train_step_cpu_frontend; fi
out="$root/bench/results/${name}_${stamp}${TAG:+_$TAG}.md"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
"$bench" --benchmark_repetitions="$reps" --benchmark_min_time="$min_time" \
  --benchmark_filter="stack:$stack/" \
  --benchmark_format=json --benchmark_out="$tmp/calmspace.json" --benchmark_out_format=json \
  >/dev/null
# PyTorch twice: as configured out of the box, and with OMP_WAIT_POLICY=PASSIVE (its OpenMP
# workers spin-wait by default and, beside OpenBLAS's own threads, oversubscribe 2 cores).
for cell in rnn lstm gru; do
  for t in 1 2; do
    "$python" "$root/bench/peers/torch_train_step.py" --cell "$cell" --threads "$t" \
      "${peer_stack[@]}" --repetitions "$reps" --min-time "$min_time" >"$tmp/torch_${cell}_$t.json"
    OMP_WAIT_POLICY=PASSIVE "$python" "$root/bench/peers/torch_train_step.py" --cell "$cell" \
      --threads "$t" "${peer_stack[@]}" --repetitions "$reps" --min-time "$min_time" \
      >"$tmp/torchp_${cell}_$t.json"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$python" - "$tmp" "$out" "$load_before" "$load_after" "$root" "$build" "$reps" "$min_time" "$stack" <<'PY'
import datetime, json, os, statistics, sys
tmp, out, load_before, load_after, root, build, reps, min_time, stack = sys.argv[1:10]
sys.path.insert(0, os.path.join(root, "bench", "lib"))
import machine  # noqa: E402  (bench/lib/machine.py: the shared machine record)

cs = json.load(open(os.path.join(tmp, "calmspace.json")))
cells = {"rnn": 0, "lstm": 1, "gru": 2}

def ours(kind, cell, t):
    runs = [b for b in cs["benchmarks"] if b.get("run_type") == "iteration"
            and b["name"].startswith(f"BM_{kind}/cell:{cells[cell]}/threads:{t}/stack:{stack}/")]
    if not runs or any(b.get("error_occurred") for b in runs):
        raise SystemExit(f"BM_{kind} {cell} threads {t}: missing or failed run")
    r = [b["clips_per_s"] for b in runs]
    return statistics.median(r), min(r), max(r)

rows = []
for cell in cells:
    for t in (1, 2):
        pt = json.load(open(os.path.join(tmp, f"torch_{cell}_{t}.json")))
        pp = json.load(open(os.path.join(tmp, f"torchp_{cell}_{t}.json")))
        peer = lambda d, k: (d[f"{k}_clips_per_s"], d[f"{k}_clips_per_s_min"], d[f"{k}_clips_per_s_max"])  # noqa: E731
        rows.append((cell, t, {"train": ours("TrainStep", cell, t), "forward": ours("Forward", cell, t)},
                     {k: peer(pt, k) for k in ("train", "forward")},
                     {k: peer(pp, k) for k in ("train", "forward")}))

f = lambda v: f"{v[0]:,.1f} ({v[1]:,.1f}-{v[2]:,.1f})"  # noqa: E731
tables = []
for kind, title in (("train", "Training step (forward, loss, backward, Adam)"), ("forward", "Forward alone (evaluation mode)")):
    tables += [f"### {title}", "",
               "| cell | threads | CalmSpace clips/s | PyTorch default clips/s | ratio | PyTorch OMP_WAIT_POLICY=PASSIVE clips/s | ratio |",
               "| --- | --- | --- | --- | --- | --- | --- |"]
    for cell, t, c, pd, pp in rows:
        tables.append(f"| {cell} | {t} | {f(c[kind])} | {f(pd[kind])} | {c[kind][0] / pd[kind][0]:.1f}x "
                      f"| {f(pp[kind])} | {c[kind][0] / pp[kind][0]:.1f}x |")
    tables.append("")
print("\n".join(tables))

torch_v = json.load(open(os.path.join(tmp, "torch_lstm_1.json")))["torch"]
command = (f"STACK={stack} " if stack != "0" else "") + f"bench/run_train_step_bench.sh {build} {reps} {min_time}"
stack_words = (" with residual connections and layer normalisation between the two layers "
               "(model.residual, model.layer_norm; PyTorch: two one-layer modules, x + y, nn.LayerNorm)"
               if stack != "0" else "")
if stack == "2":
    stack_words += (", behind the convolutional front-end at its defaults (model.frontend = conv: 2 blocks "
                    "of 16 channels, 3 x 3 kernels causal in time, frequency stride 2, nn.LayerNorm per frame, "
                    "ReLU; PyTorch: nn.Conv2d after F.pad), so the recurrent layers read 256 values per frame")
m = machine.record(root, build, cs["context"],
                   dirty_paths=["core/model", "core/train/loss.h", "core/train/loss.cpp",
                                "core/train/optimizer.h", "core/train/optimizer.cpp",
                                "core/base/parallel.h", "core/base/tensor.h", "bench/train_step_bench.cpp",
                                "bench/peers/torch_train_step.py"],
                   extra={"load_average_before": load_before, "torch": torch_v})
title = {"0": "", "1": " (residual + layer norm)", "2": " (conv front-end, residual + layer norm)"}[stack]
md = [f"# CPU training step{title}: CalmSpace vs PyTorch ({datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC)", "",
      "One training step (forward, cross-entropy, backward, Adam update) and forward alone (evaluation mode) "
      f"of rnn_tanh / lstm / gru with hidden 128, 2 layers{stack_words}, 64 inputs, a batch of 32 clips of 400 frames "
      "(seeded Gaussian features), mean pooling, linear head to 8 classes. Clips per wall second, median "
      f"(min-max) over {reps} repetitions of at least {min_time} s each, both measured in the same run. "
      f"Produced by `{command}`.", "",
      "Clips per second, median (min-max). Ratio = CalmSpace / PyTorch. PyTorch runs twice: as configured "
      "out of the box (torch.set_num_threads only), and with OMP_WAIT_POLICY=PASSIVE, its best setting here "
      "(by default its OpenMP workers spin-wait and, beside OpenBLAS's own threads, oversubscribe the cores).", "",
      *tables,
      *machine.markdown(m), f"- load average before: {load_before}",
      f"- torch {torch_v} (Debian python3-torch), torch.set_num_threads(threads); CalmSpace set_num_threads(threads), OpenBLAS single-threaded inside",
      "", "## Raw: train_step_bench (Google Benchmark JSON)", "", "```json",
      json.dumps({"context": cs["context"], "benchmarks": cs["benchmarks"]}, indent=1), "```", ""]
for cell in cells:
    for t in (1, 2):
        for prefix, env in (("torch", ""), ("torchp", "OMP_WAIT_POLICY=PASSIVE ")):
            md += [f"## Raw: {env}torch_train_step.py --cell {cell} --threads {t}", "", "```json",
                   open(os.path.join(tmp, f"{prefix}_{cell}_{t}.json")).read().strip(), "```", ""]
os.makedirs(os.path.dirname(out), exist_ok=True)
open(out, "w").write("\n".join(md))
# The same result as data (bench/make_results.py reads it).
json.dump({"kind": "train_step_cpu", "stack": stack != "0", "frontend": stack == "2", "command": command, "machine": m,
           "rows": [{"cell": cell, "threads": t, "calmspace": c, "torch_default": pd,
                     "torch_passive": pp} for cell, t, c, pd, pp in rows],
           "calmspace": cs}, open(out[:-3] + ".json", "w"), indent=1)
print(f"wrote {os.path.relpath(out, root)}")
PY
