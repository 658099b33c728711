#!/usr/bin/env bash
# Live-stream load benchmark of `calmspace serve` (issue 22 bars): a server on a free local port
# with the shipped model (fresh data directory, removed afterwards), then bench/live_load: STREAMS
# concurrent live streams sending 20 ms of audio every 20 ms for SECONDS. Prints the per-update
# latency distribution (server side, from the audio's arrival to the update leaving), dropped
# streams, and the server's CPU time per stream as a share of one core (from /proc/PID/stat);
# writes build/bench/live_load.json. Fails if a stream was dropped.
#   bash bench/run_live_load.sh [SECONDS=300] [STREAMS=20]
# Audio: RAVDESS speech (16 kHz mono s16le, sox) when the corpus and sox are there, looped, each
# stream from a different place; else live_load's synthetic voice-like signal.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CALMSPACE_BUILD_DIR:-$root/build}"
seconds="${1:-300}"
streams="${2:-20}"
corpora="${CALMSPACE_CORPORA:-$root/../shared/corpora}"
ninja -C "$build" calmspace live_load >/dev/null

work="$(mktemp -d "$build/live-load.XXXXXX")"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

raw_args=()
if [ -d "$corpora/ravdess/Actor_01" ] && command -v sox >/dev/null; then
  mapfile -t clips < <(ls "$corpora"/ravdess/Actor_0{1,2}/*.flac | head -60)
  sox "${clips[@]}" -r 16000 -b 16 -c 1 -e signed -t raw "$work/speech.s16"
  raw_args=(--raw "$work/speech.s16")
fi

model_args=()
[ -n "${CALMSPACE_MODEL:-}" ] && model_args=(--model "$CALMSPACE_MODEL")
"$build/tools/calmspace" serve "${model_args[@]}" --port 0 --live-max-streams "$streams" \
  --live-max-seconds "$((seconds + 60))" --access-log none --data "$work/data" >"$work/server.log" 2>&1 &
server_pid=$!
live_port=""
for _ in $(seq 1 300); do
  live_port="$(sed -n 's|^live streams on ws://127.0.0.1:\([0-9]*\)/live$|\1|p' "$work/server.log")"
  [ -n "$live_port" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
[ -n "$live_port" ] || { echo "run_live_load: the server did not start" >&2; exit 1; }

ticks="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
before="$(cpu_ticks)"
status=0
"$build/bench/live_load" --port "$live_port" --streams "$streams" --seconds "$seconds" \
  "${raw_args[@]}" --json "$build/bench/live_load.json" || status=$?
after="$(cpu_ticks)"
echo "server CPU: $(( (after - before) / ticks )) s for $streams streams x $seconds s of audio" \
  "= $(awk -v c="$((after - before))" -v t="$ticks" -v s="$streams" -v d="$seconds" \
       'BEGIN {printf "%.2f", 100 * c / t / s / d}') % of one core per stream"
exit "$status"
