#!/usr/bin/env bash
# Installs every Debian package CalmSpace needs to build, test and benchmark. Idempotent: packages
# already installed are left alone, and a second run does nothing but check.
# Usage: scripts/setup.sh            (as root, or with sudo available)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang-format clang-tidy
  # the checked build (scripts/sanitize.sh, scripts/fuzz.sh): clang with its sanitizer and libFuzzer runtimes
  clang-14 libclang-rt-14-dev
  libsndfile1-dev libsoxr-dev libfftw3-dev libopenblas-dev
  libhdf5-dev hdf5-tools
  # mpirun -np N calmspace cv|bench|train (Open MPI)
  libopenmpi-dev openmpi-bin
  libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev
  python3 python3-numpy python3-h5py python3-torch python3-torchaudio python3-soundfile
  sox
  # serve: HTTP server, live WebSocket (websocketpp over standalone Asio), history database, decoding browser recordings (WebM/Ogg/MP4)
  libcpp-httplib-dev libwebsocketpp-dev libasio-dev libsqlite3-dev libavformat-dev libavcodec-dev libavutil-dev libswresample-dev
  # plots, ONNX export
  gnuplot-nox fonts-dejavu-core libonnx-dev libprotobuf-dev protobuf-compiler python3-onnx
  # browser end-to-end tests (driven by playwright-core from npm)
  chromium
)

# Node.js and npm (the page's chart library, the browser tests, the ONNX runtime check): Debian's,
# unless the machine already has them.
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
else
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages pinned by package-lock.json (.npmrc skips onnxruntime-node's optional CUDA
# download). Reinstalled only when the lock file changed since the last install.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stamp="$root/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$root/package-lock.json" -nt "$stamp" ]; then
  echo "setup: npm ci"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
else
  echo "setup: npm packages up to date"
fi
echo "setup: done"
