#!/usr/bin/env bash
# Fresh machine -> installed, built, and the main job run: prepare the RAVDESS corpus into an HDF5
# dataset (speaker-independent folds, log-mel features stored) and train the default LSTM config
# on it: test fold 0 (actors 01-04), validation fold 1, the rest for training. Writes the run
# directory (metrics, checkpoints, test report) and prints the evaluation.
# Usage: scripts/main.sh [RAVDESS_ROOT] [OUT_DIR] [key=value ...]
#   defaults: ../shared/corpora/ravdess, out/; overrides go to `calmspace train`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${1:-$root/../shared/corpora/ravdess}"
out="${2:-$root/out}"
shift $(( $# > 2 ? 2 : $# ))
build="${CALMSPACE_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
mkdir -p "$out"
calmspace="$build/tools/calmspace"
"$calmspace" prepare ravdess --root "$corpus" --out "$out/ravdess.h5" --config "$root/configs/lstm.yaml"
"$calmspace" info "$out/ravdess.h5"
rm -rf "$out/lstm"
"$calmspace" train "$root/configs/lstm.yaml" --data "$out/ravdess.h5" --out "$out/lstm" "$@"
"$calmspace" eval "$out/lstm" --data "$out/ravdess.h5" --split test
