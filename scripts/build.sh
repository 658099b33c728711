#!/usr/bin/env bash
# Configures and builds CalmSpace (Release, Ninja) into build/ (or $CALMSPACE_BUILD_DIR).
# CUDA code is compiled whenever nvcc is found (/usr/local/cuda); no GPU is needed to build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${CALMSPACE_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
