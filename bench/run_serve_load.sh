#!/usr/bin/env bash
# Load benchmark of `calmspace serve`: a server on a free local port (fresh data directory under
# the build folder, removed afterwards), then bench/serve_load: CLIENTS concurrent clients posting
# a 4 s clip to POST /api/analyses for SECONDS (closed loop). Prints throughput and p50/p90/p99
# latency, writes build/bench/serve_load.json; fails if any request failed.
#   bash bench/run_serve_load.sh [SECONDS=60] [CLIENTS=50]
# Model: $CALMSPACE_MODEL, else the default model (models/ravdess-gru.safetensors).
# More server options: $CALMSPACE_SERVE_ARGS (e.g. "--timeline-min 100" to time without timelines).
# A long recording analysed throughout: $CALMSPACE_LONG_UPLOAD=FILE adds one client posting FILE
# over and over (serve_load --long), e.g. the 10-minute recording of bench/long_recording/.
# Clip: a RAVDESS recording made exactly 4.00 s (16 kHz mono PCM16, sox) when the corpus and sox
# are there, else serve_load's synthetic voice-like 4 s WAV.
# Disk: every request stores its clip (128 KB) in the history: ~7 GB for a 1-minute run, under
# $CALMSPACE_SERVE_WORK (default: the build folder; /dev/shm puts the history in memory).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CALMSPACE_BUILD_DIR:-$root/build}"
seconds="${1:-60}"
clients="${2:-50}"
corpora="${CALMSPACE_CORPORA:-$root/../shared/corpora}"
ninja -C "$build" calmspace serve_load >/dev/null

work="$(mktemp -d "${CALMSPACE_SERVE_WORK:-$build}/serve-load.XXXXXX")"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

clip_args=()
clip="$(ls "$corpora"/ravdess/Actor_01/03-01-01-01-01-01-01.* 2>/dev/null | head -1 || true)"
if [ -n "$clip" ] && command -v sox >/dev/null; then
  # Speech padded with its own repetition, cut at exactly 4.00 s.
  sox "$clip" -r 16000 -b 16 -c 1 "$work/clip.wav" repeat 2 trim 0 4.0
  clip_args=(--clip "$work/clip.wav")
fi

model_args=()
[ -n "${CALMSPACE_MODEL:-}" ] && model_args=(--model "$CALMSPACE_MODEL")
read -r -a serve_args <<<"${CALMSPACE_SERVE_ARGS:-}"
"$build/tools/calmspace" serve "${model_args[@]}" "${serve_args[@]}" --port 0 --data "$work/data" >"$work/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 300); do
  port="$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$work/server.log")"
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start"; cat "$work/server.log"; exit 1; }
head -1 "$work/server.log"
echo "machine: $(nproc) CPUs, $(uname -srm); commit $(git -C "$root" rev-parse --short HEAD); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
long_args=()
[ -n "${CALMSPACE_LONG_UPLOAD:-}" ] && long_args=(--long "$CALMSPACE_LONG_UPLOAD")
status=0
"$build/bench/serve_load" --port "$port" --clients "$clients" --seconds "$seconds" \
  "${clip_args[@]}" "${long_args[@]}" --json "$build/bench/serve_load.json" || status=$?
echo "history database: $(du -sh "$work/data" | cut -f1); load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
