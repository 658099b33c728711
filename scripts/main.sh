#!/usr/bin/env bash
# Fresh machine -> installed, built, and the main job run: prepare the RAVDESS corpus into an HDF5
# dataset (speaker-independent folds from configs/ravdess.yaml) and print its statistics.
# Usage: scripts/main.sh [RAVDESS_ROOT] [OUT.h5]   (defaults: ../shared/corpora/ravdess, out/ravdess.h5)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${1:-$root/../shared/corpora/ravdess}"
out="${2:-$root/out/ravdess.h5}"
build="${CALMSPACE_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
mkdir -p "$(dirname "$out")"
"$build/tools/calmspace" prepare ravdess --root "$corpus" --out "$out" --config "$root/configs/ravdess.yaml"
"$build/tools/calmspace" info "$out"
