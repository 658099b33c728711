#!/usr/bin/env bash
# The long-recording bars, each beside its peer in the same run, as whole processes:
#   1. predict with the timeline on 2 hours of speech: wall time and peak resident memory;
#   2. features on 30 minutes (features.num_threads=2) against torchaudio in-process (load +
#      MelSpectrogram + log, 2 threads), alternating, RUNS runs each: the ratio of medians, after
#      checking that the two agree;
#   3. serve: 20 clients posting 4 s clips for 60 s while one more posts the 10-minute recording
#      over and over (bench/run_serve_load.sh with CALMSPACE_LONG_UPLOAD).
# The recordings are real speech from the corpora (bench/long_recording/make_recordings.py), made
# once under out/long/ (not in git). Usage:
#   bash bench/run_long_recording_bench.sh [BUILD_DIR=build] [RUNS=3]
# Writes bench/results/long_recordings_cpu_<UTC date>.md and .json.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
runs="${2:-3}"
python=/usr/bin/python3  # Debian's interpreter: python3-torchaudio lives there
corpora="${CALMSPACE_CORPORA:-$root/../shared/corpora}"
long="$root/out/long"
calmspace="$build/tools/calmspace"
[ -x "$calmspace" ] || { echo "no $calmspace: build first" >&2; exit 1; }
"$python" "$root/bench/long_recording/make_recordings.py" "$corpora" "$long"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# One whole-process run: "<wall seconds> <peak resident KB>" appended to $1.
timed() {
  local out="$1"
  shift
  /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$tmp/stdout" 2>"$tmp/stderr" ||
    { cat "$tmp/stderr" >&2; exit 1; }
  cat "$tmp/time" >>"$out"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "predict, 2 h ($runs runs)"
for _ in $(seq "$runs"); do
  timed "$tmp/predict" "$calmspace" predict "$long/speech_2h.flac" \
    --model "$root/models/ravdess-gru.safetensors" --out "$tmp/p.json"
done
cp "$tmp/p.json" "$tmp/predict_2h.json"

echo "features, 30 min, against torchaudio ($runs runs each, alternating)"
for _ in $(seq "$runs"); do
  timed "$tmp/features" "$calmspace" features "$long/speech_30min.flac" --out "$tmp/f.npy" \
    features.num_threads=2
  "$python" "$root/bench/long_recording/torchaudio_features.py" "$long/speech_30min.flac" \
    --threads 2 >>"$tmp/torchaudio"
done

echo "serve: 20 clients x 4 s clips for 60 s, with the 10-minute recording posted throughout"
CALMSPACE_BUILD_DIR="$build" CALMSPACE_LONG_UPLOAD="$long/speech_10min.wav" \
  bash "$root/bench/run_serve_load.sh" 60 20 | tee "$tmp/serve.txt"
cp "$build/bench/serve_load.json" "$tmp/serve.json"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$python" - "$tmp" "$root" "$build" "$runs" "$long" "$load_before" "$load_after" <<'PY'
import datetime, json, os, statistics, sys
import numpy as np
import torch, torchaudio
tmp, root, build, runs, long, load_before, load_after = sys.argv[1:8]
sys.path.insert(0, os.path.join(root, "bench", "lib"))
import machine  # noqa: E402

def runs_of(name):
    rows = [line.split() for line in open(os.path.join(tmp, name)) if line.strip()]
    return [float(r[0]) for r in rows], [int(r[1]) / 1024 for r in rows]  # s, MB

p_s, p_mb = runs_of("predict")
f_s, f_mb = runs_of("features")
ta = [json.loads(l) for l in open(os.path.join(tmp, "torchaudio"))]
ta_s = [t["seconds"] for t in ta]
serve = json.load(open(os.path.join(tmp, "serve.json")))
prediction = json.load(open(os.path.join(tmp, "predict_2h.json")))["predictions"][0]

# The outputs agree before anything is compared: calmspace's 30-minute features against
# torchaudio's on the same file (the golden tests' tolerance, tests/features/golden_test.cpp).
ours = np.load(os.path.join(tmp, "f.npy"))
x, _ = torchaudio.load(os.path.join(long, "speech_30min.flac"))
mel = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=512, win_length=400,
    hop_length=160, n_mels=64, center=True, pad_mode="reflect", power=2.0, norm=None, mel_scale="htk")
with torch.inference_mode():
    theirs = torch.log(mel(x.mean(0)).clamp(min=1e-10)).T.numpy()
assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
loud = theirs > np.log(1e-6)  # away from the floor, where float32 FFTs differ in relative terms
max_diff = float(np.abs(ours - theirs)[loud].max())

med = statistics.median
rows = {
    "predict_2h": {"seconds": p_s, "peak_mb": p_mb, "seconds_median": med(p_s),
                   "peak_mb_max": max(p_mb), "windows": len(prediction["timeline"]),
                   "segments": len(prediction["segments"]), "bar": "under 30 s and 300 MB"},
    "features_30min": {"seconds": f_s, "peak_mb": f_mb, "seconds_median": med(f_s),
                       "peak_mb_max": max(f_mb), "torchaudio_seconds": ta_s,
                       "torchaudio_seconds_median": med(ta_s), "ratio": med(ta_s) / med(f_s),
                       "max_abs_diff_vs_torchaudio": max_diff,
                       "bar": "at least 5x torchaudio, under 150 MB"},
    "serve": serve | {"bar": "10-minute upload under 5 s while 20 clients post 4 s clips, p99 under 200 ms"},
}
command = f"bash bench/run_long_recording_bench.sh {os.path.relpath(build, root)} {runs}"
m = machine.record(root, build, dirty_paths=["core", "tools", "bench"],
                   extra={"load_average_before": load_before, "load_average_after": load_after,
                          "torch": torch.__version__, "torchaudio": torchaudio.__version__})
stamp = datetime.datetime.utcnow()
r = rows
md = [f"# Long recordings on the CPU ({stamp:%Y-%m-%d %H:%M} UTC)", "",
      "Whole processes timed with `/usr/bin/time` (wall seconds, peak resident memory), medians "
      f"of {runs} runs; real speech (RAVDESS then TESS clips end to end, "
      "`bench/long_recording/make_recordings.py`). Produced by `" + command + "`.", "",
      "| bar | measured | peer | result |", "| --- | --- | --- | --- |",
      f"| `predict --out x.json` on 2 h of speech (timeline: {r['predict_2h']['windows']} windows, "
      f"{r['predict_2h']['segments']} segments), default model | {r['predict_2h']['seconds_median']:.2f} s, "
      f"{r['predict_2h']['peak_mb_max']:.0f} MB | - | bar: under 30 s and 300 MB |",
      f"| `features --out x.npy features.num_threads=2` on 30 min | {r['features_30min']['seconds_median']:.2f} s, "
      f"{r['features_30min']['peak_mb_max']:.0f} MB | torchaudio load + MelSpectrogram + log in-process, "
      f"2 threads: {r['features_30min']['torchaudio_seconds_median']:.2f} s | "
      f"**{r['features_30min']['ratio']:.1f}x** (bar: 5x, under 150 MB) |",
      f"| `serve`: 10-minute WAV posted throughout while 20 clients post 4 s clips for 60 s | "
      f"10 min analysed in {serve['long_upload']['seconds_p50']:.2f} s median, {serve['long_upload']['seconds_max']:.2f} s max "
      f"({serve['long_upload']['ok']} uploads, {serve['long_upload']['failed']} failed) | "
      f"4 s clips: p99 {serve['latency_ms']['p99']:.0f} ms, p50 {serve['latency_ms']['p50']:.0f} ms, "
      f"{serve['throughput_rps']:.0f} requests/s, {serve['failed']} failed | bar: under 5 s, p99 under 200 ms |", "",
      f"- features agree with torchaudio before timing: max |difference| {max_diff:.2e} over log-mel values "
      "above log(1e-6)",
      f"- every run: predict {', '.join(f'{s:.2f} s/{mb:.0f} MB' for s, mb in zip(p_s, p_mb))}; "
      f"features {', '.join(f'{s:.2f} s/{mb:.0f} MB' for s, mb in zip(f_s, f_mb))}; "
      f"torchaudio {', '.join(f'{s:.2f} s' for s in ta_s)}",
      *machine.markdown(m), f"- load average before {load_before}, after {load_after}",
      f"- torch {torch.__version__}, torchaudio {torchaudio.__version__}", "",
      "## serve_load output", "", "```", open(os.path.join(tmp, "serve.txt")).read().strip(), "```", ""]
out = os.path.join(root, "bench", "results", f"long_recordings_cpu_{stamp:%Y-%m-%d}")
open(out + ".md", "w").write("\n".join(md))
json.dump({"kind": "long_recordings_cpu", "command": command, "machine": m, "rows": rows},
          open(out + ".json", "w"), indent=1)
print("\n".join(md[:9]))
print(f"wrote {os.path.relpath(out, root)}.md and .json")
PY
