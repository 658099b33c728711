#!/usr/bin/env bash
# CPU log-mel throughput: CalmSpace (bench/features_bench.cpp) vs torchaudio (bench/peers/
# torchaudio_logmel.py) on the same 32 RAVDESS clips tiled to 4 s, at 1 and 2 threads.
# Builds nothing. Usage:
#   bench/run_features_bench.sh BUILD_DIR [REPETITIONS=5] [MIN_TIME_S=1]
# Prints a table (median audio-seconds per second, ratio CalmSpace / torchaudio) and writes it with
# the raw outputs and the machine (CPU, load, git revision, date, versions) to
# bench/results/features_cpu_<UTC date>.md.
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR [REPETITIONS] [MIN_TIME_S]}
reps=${2:-5}
min_time=${3:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
bench="$build/bench/features_bench"
python=/usr/bin/python3  # Debian's interpreter: python3-torchaudio lives there
[[ -x $bench ]] || { echo "no $bench: build the features_bench target first" >&2; exit 1; }

stamp=$(date -u +%Y-%m-%d)
out="$root/bench/results/features_cpu_${stamp}.md"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
"$bench" --benchmark_repetitions="$reps" --benchmark_min_time="$min_time" \
  --benchmark_format=json --benchmark_out="$tmp/calmspace.json" --benchmark_out_format=json \
  >/dev/null
for t in 1 2; do
  "$python" "$root/bench/peers/torchaudio_logmel.py" --threads "$t" --repetitions "$reps" \
    --min-time "$min_time" >"$tmp/torchaudio_$t.json"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$python" - "$tmp" "$out" "$load_before" "$load_after" "$root" "$build" "$reps" "$min_time" <<'PY'
import json, os, sys, datetime
tmp, out, load_before, load_after, root, build, reps, min_time = sys.argv[1:9]
sys.path.insert(0, os.path.join(root, "bench", "lib"))
import machine  # noqa: E402  (bench/lib/machine.py: the shared machine record)

cs = json.load(open(os.path.join(tmp, "calmspace.json")))
rows = []
for t in (1, 2):
    runs = [b for b in cs["benchmarks"]
            if b.get("run_type") == "iteration" and f"threads:{t}/" in b["name"]]
    rates = sorted(b["audio_s_per_s"] for b in runs)
    med = rates[len(rates) // 2] if len(rates) % 2 else sum(rates[len(rates) // 2 - 1:len(rates) // 2 + 1]) / 2
    ta = json.load(open(os.path.join(tmp, f"torchaudio_{t}.json")))
    rows.append((t, med, rates[0], rates[-1], ta["audio_s_per_s"], ta["audio_s_per_s_min"],
                 ta["audio_s_per_s_max"], runs[0].get("label", "")))

table = ["| threads | CalmSpace audio-s/s (median, min-max) | torchaudio audio-s/s (median, min-max) | ratio |",
         "| --- | --- | --- | --- |"]
for t, m, lo, hi, tm, tlo, thi, _ in rows:
    table.append(f"| {t} | {m:,.0f} ({lo:,.0f}-{hi:,.0f}) | {tm:,.0f} ({tlo:,.0f}-{thi:,.0f}) | {m / tm:.1f}x |")
print("\n".join(table))

peer = json.load(open(os.path.join(tmp, "torchaudio_1.json")))
command = f"bench/run_features_bench.sh {build} {reps} {min_time}"
m = machine.record(root, build, cs["context"],
                   dirty_paths=["core/features", "core/base/parallel.h", "core/base/tensor.h",
                                "bench/features_bench.cpp", "bench/peers"],
                   extra={"load_average_before": load_before, "torch": peer["torch"],
                          "torchaudio": peer["torchaudio"]})
md = [f"# CPU log-mel features: CalmSpace vs torchaudio ({datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC)", "",
      "Default FeatureOptions (n_fft 512, win 400, hop 160, 64 htk mels, centred/reflect, power 2, log floor 1e-10) "
      "on a batch of 32 RAVDESS clips tiled to exactly 4 s at 16 kHz; audio seconds processed per wall second, "
      f"median over {len(runs)} repetitions. Produced by `{command}`.", "",
      *table, "",
      f"- clips: {rows[0][7]}", *machine.markdown(m),
      f"- load average before: {load_before}; FFTW {m['fftw']}",
      f"- torch {peer['torch']}, torchaudio {peer['torchaudio']}", "",
      "## Raw: features_bench (Google Benchmark JSON, iterations and aggregates)", "", "```json",
      json.dumps({"context": cs["context"], "benchmarks": cs["benchmarks"]}, indent=1), "```", ""]
for t in (1, 2):
    md += [f"## Raw: torchaudio_logmel.py --threads {t}", "", "```json",
           open(os.path.join(tmp, f"torchaudio_{t}.json")).read().strip(), "```", ""]
os.makedirs(os.path.dirname(out), exist_ok=True)
open(out, "w").write("\n".join(md))
# The same result as data (bench/make_results.py reads it).
json.dump({"kind": "features_cpu", "command": command, "machine": m,
           "rows": [{"threads": t, "calmspace_audio_s_per_s": med, "calmspace_min": lo,
                     "calmspace_max": hi, "torchaudio_audio_s_per_s": tm, "ratio": med / tm}
                    for t, med, lo, hi, tm, _, _, _ in rows],
           "calmspace": cs}, open(out[:-3] + ".json", "w"), indent=1)
print(f"wrote {os.path.relpath(out, root)}")
PY
