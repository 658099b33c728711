#!/usr/bin/env bash
# Issue 23's measurements on this machine (Open MPI on localhost, one thread per rank):
#   cv:    a 2-fold x 2-member cross-validation (TESS: its two speakers are the folds, so no
#          validation split), one process against `mpirun -np 2`, REPEATS times in turn
#          (A B A B ...), wall seconds and peak memory from /usr/bin/time; every pair's cv.json
#          compared byte for byte (run_dir paths aside).
#   train: one model trained data-parallel at 1 and 2 ranks (the shipped GRU's shape,
#          configs/generalise.yaml), DP_EPOCHS epochs; RUN/data_parallel.json splits each epoch
#          into compute, waiting and allreduce.
# Usage: bash bench/run_mpi_bench.sh [BUILD_DIR=build] [DATA=out/gen/tess.h5] [OUT=out/mpi]
#        [cv|train|all]      (env: REPEATS=3 EPOCHS=8 DP_EPOCHS=2)
set -euo pipefail
build=${1:-build}
data=${2:-out/gen/tess.h5}
out=${3:-out/mpi}
what=${4:-all}
repeats=${REPEATS:-3}
epochs=${EPOCHS:-8}
dp_epochs=${DP_EPOCHS:-2}
calmspace="$build/tools/calmspace"
mpirun=(mpirun --oversubscribe --allow-run-as-root)
mkdir -p "$out"

cv_args=(cv configs/bench_quick.yaml --data "$data" model.cell=gru train.ensemble=2
  train.validation=false train.epochs="$epochs" train.num_threads=1)

# cv.json with the output folder's name taken out.
normalised() { sed "s#$1#OUT#g" "$1/cv.json"; }

if [[ $what == cv || $what == all ]]; then
  echo "# cv: 2 folds x 2 members, $epochs epochs, $(basename "$data"), one thread per process"
  for i in $(seq 1 "$repeats"); do
    rm -rf "$out/cv_one_$i" "$out/cv_two_$i"
    /usr/bin/time -f "one process: %e s wall, %M KB peak" \
      "$calmspace" "${cv_args[@]}" --out "$out/cv_one_$i" > "$out/cv_one_$i.log" 2>&1
    tail -1 "$out/cv_one_$i.log"
    /usr/bin/time -f "mpirun -np 2: %e s wall, %M KB peak (of mpirun itself)" \
      "${mpirun[@]}" -np 2 "$calmspace" "${cv_args[@]}" --out "$out/cv_two_$i" \
      > "$out/cv_two_$i.log" 2>&1
    tail -1 "$out/cv_two_$i.log"
    if cmp -s <(normalised "$out/cv_one_$i") <(normalised "$out/cv_two_$i"); then
      echo "pair $i: cv.json identical"
    else
      echo "pair $i: cv.json DIFFERS"
    fi
  done
fi

if [[ $what == train || $what == all ]]; then
  echo "# train: data-parallel, $dp_epochs epochs, configs/generalise.yaml, one thread per rank"
  for ranks in 1 2; do
    run="$out/dp_$ranks"
    rm -rf "$run"
    cmd=("$calmspace" train configs/generalise.yaml --data "$data" --out "$run" --no-plots
      train.validation=false train.epochs="$dp_epochs" train.num_threads=1)
    if [[ $ranks -gt 1 ]]; then cmd=("${mpirun[@]}" -np "$ranks" "${cmd[@]}"); fi
    /usr/bin/time -f "$ranks rank(s): %e s wall" "${cmd[@]}" > "$run.log" 2>&1
    grep -E "epoch +[0-9]+/" "$run.log" | sed 's/.*epoch/epoch/' || true
    tail -1 "$run.log"
    [[ -f $run/data_parallel.json ]] && cat "$run/data_parallel.json"
  done
fi
