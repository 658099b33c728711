#!/usr/bin/env bash
# Issue 20's bar for the server against hostile clients: `calmspace serve` on a free local port
# (fresh data folder, removed afterwards), then bench/hostile_clients.py: SLOW slowloris
# connections and IDLE silent sockets held open while a normal client times GET /health and the
# analysis of a 4 s clip for SECONDS. Fails if a normal request fails or takes over 1 s.
#   bash bench/run_hostile_clients.sh [SECONDS=60] [SLOW=100] [IDLE=200] [-- serve options]
# e.g. `bash bench/run_hostile_clients.sh 30 100 200 -- --http-threads 64` shows a server whose
# connection threads are all held.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CALMSPACE_BUILD_DIR:-$root/build}"
seconds="${1:-60}"
slow="${2:-100}"
idle="${3:-200}"
shift $(($# < 3 ? $# : 3))
[ "${1:-}" = "--" ] && shift
corpora="${CALMSPACE_CORPORA:-$root/../shared/corpora}"
ninja -C "$build" calmspace >/dev/null

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill -INT "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The clip: a RAVDESS recording made exactly 4.00 s (sox), else 4 s of a synthetic tone.
clip="$(ls "$corpora"/ravdess/Actor_01/03-01-01-01-01-01-01.* 2>/dev/null | head -1 || true)"
if [ -n "$clip" ] && command -v sox >/dev/null; then
  sox "$clip" -r 16000 -b 16 -c 1 "$work/clip.wav" repeat 2 trim 0 4.0
else
  sox -n -r 16000 -b 16 -c 1 "$work/clip.wav" synth 4.0 sine 180-320 vol 0.3
fi

ulimit -n 4096 2>/dev/null || true
"$build/tools/calmspace" serve --port 0 --data "$work/data" --workers 1 "$@" >"$work/serve.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 600); do  # the server prints its address once it listens
  port="$(grep -o '127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -1 | cut -d: -f2 || true)"
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "the server did not start" >&2; exit 1; }
echo "server on port $port ($*)" >&2
python3 "$root/bench/hostile_clients.py" --port "$port" --clip "$work/clip.wav" \
  --slow "$slow" --idle "$idle" --seconds "$seconds"
