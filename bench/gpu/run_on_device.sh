#!/usr/bin/env bash
# Runs ON THE LENT GPU MACHINE (see /work/shared/DEVICE.md), from the repository root, after
# bench/gpu/pack_for_device.sh packed .devlibs/ here and the device call carried it:
#   device run: bash bench/gpu/run_on_device.sh      (carry [".devlibs"])
# One call, one complete record. Every stage has its own time limit (the whole stays under the
# device's 600 s per call), and the record in $OUT (default ./device-out) is refreshed after each
# stage, so a call cut short still returns what ran. $OUT receives summary.txt, versions.txt and
# device_record.tgz (the device tool returns at most 8 files) holding:
#   versions.txt          nvidia-smi, driver / CUDA / cuDNN (calmspace devices, torch), git
#                         revision, the Python modules the peers need
#   gpu_tests.xml/.log    every gpu-labelled test (the gpu_tests binary from tests/cuda/: what `ctest -L gpu` runs)
#   features_bench_cuda   the CUDA log-mel benchmark (32 x 4 s RAVDESS clips, roofline printed)
#   torchaudio_features_gpu.json   its torchaudio peer, same clips and parameters
#   gpu_train_step_bench  one cuDNN training step / forward pass per cell and precision
#   recurrent_bench_cuda  the recurrent layers at the SER shapes on the cuDNN backend
#   train_<precision>/    `calmspace train configs/lstm.yaml train.device=cuda` for 3 epochs on the
#                         carried RAVDESS subset (8 folds of its actors) at fp32, tf32 and fp16
#                         (metrics.jsonl: loss, UA, clips/s per epoch)
#   train_cpu_1epoch/     one CPU epoch of the same run (loss reference for the fp32 GPU epoch 1)
#   torch_peer_*.json     bench/peers/torch_gpu_train_epoch.py on the same stored features
# The CPU benchmarks are not run here: CPU numbers come from the build machine (bench/results/).
# CALMSPACE_DEVICE_STAGES picks the stages (default "tests bench train"; "cells" adds the
# `calmspace bench` cell comparison with its GPU peer): split a record over calls when one would
# pass the 600 s limit.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
final=${OUT:-$root/device-out}
mkdir -p "$final"
record=$(mktemp -d)  # everything; packed into $final/device_record.tgz after every stage
unpacked=$(mktemp -d)
if [[ -f $root/.devlibs/pack.tar.xz ]]; then
  xz -dc "$root/.devlibs/pack.tar.xz" | tar -C "$unpacked" -xf -
fi
pack=$unpacked/pack
bin=$pack/bin
summary=$final/summary.txt
: >"$summary"
note() { echo "$*" | tee -a "$summary"; }
save() {  # refresh the returned record (checkpoints left out: large, and derived)
  cp "$summary" "$record/summary.txt"
  tar czf "$final/device_record.tgz.tmp" --exclude='*.h5' -C "$record" . &&
    mv "$final/device_record.tgz.tmp" "$final/device_record.tgz"
}
run() {  # run NAME SECONDS CMD...: log to $record/NAME.log under a time limit, note the exit code
  local name=$1 limit=$2
  shift 2
  local start=$SECONDS
  timeout -k 5 "$limit" "$@" >"$record/$name.log" 2>&1
  local rc=$?
  note "$name: exit $rc ($((SECONDS - start)) s$( ((rc == 124)) && echo ", stopped at the ${limit} s limit"))"
  save
  return 0
}

if [[ ! -x $bin/calmspace ]]; then
  note "no $bin/calmspace: run bench/gpu/pack_for_device.sh on the build machine, carry .devlibs"
  exit 1
fi

# The device's Python carries cuDNN / cuFFT / cuBLAS wheels: put every nvidia/*/lib on the path.
python=$(command -v python3)
nvidia_libs=$("$python" - <<'PY' 2>/dev/null
import glob, os
try:
    import nvidia
    base = os.path.dirname(nvidia.__path__[0] if hasattr(nvidia, "__path__") else nvidia.__file__)
    print(":".join(sorted(glob.glob(os.path.join(base, "nvidia", "*", "lib")))))
except Exception:
    pass
PY
)
# The toolkit's CUDA 13 runtime, cuBLAS and cuFFT first (what the binaries were linked against),
# then the wheels (cuDNN 9 is not part of the toolkit).
export LD_LIBRARY_PATH="$pack/lib:/usr/local/cuda/lib64:/usr/local/cuda/lib:${nvidia_libs}:${LD_LIBRARY_PATH:-}"
export CALMSPACE_CORPORA=$pack/corpora
# The revision the packed binaries were built from (the device's copy of the tree may differ).
[[ -f $pack/REVISION ]] && export CALMSPACE_GIT_REVISION=$(cat "$pack/REVISION")

{
  echo "date: $(date -u +%FT%TZ)"
  echo "revision: $(cat "$pack/REVISION" 2>/dev/null || git rev-parse HEAD 2>/dev/null)"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  nvidia-smi 2>&1
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
  "$bin/calmspace" devices 2>&1
  "$python" --version 2>&1
  "$python" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version())" 2>&1
  for module in numpy torchaudio h5py soundfile; do
    "$python" -c "import $module; print('python module $module', getattr($module, '__version__', '?'))" 2>&1 |
      tail -n 1
  done
  echo "missing libraries:"; ldd "$bin/calmspace" "$bin/gpu_tests" | grep "not found" || echo "  none"
  nproc
} >"$record/versions.txt"
cp "$record/versions.txt" "$final/"
note "versions: $(grep -m1 -E '^gpu 0|^gpus' "$record/versions.txt" || echo 'no gpu line (see versions.txt)')"
save

stages=" ${CALMSPACE_DEVICE_STAGES:-tests bench train} "
note "stages:$stages"

# 1. Every gpu test (label gpu = the gpu_tests binary).
if [[ $stages == *" tests "* ]]; then
  run gpu_tests 300 "$bin/gpu_tests" --gtest_output="xml:$record/gpu_tests.xml"
  { grep -E '^\[  FAILED  \]' "$record/gpu_tests.log"; tail -n 4 "$record/gpu_tests.log"; } >>"$summary"
  save
fi

if [[ $stages == *" bench "* ]]; then
  # 2. GPU benchmarks (JSON in the record), each with its peer where one exists.
  bench_json() { echo --benchmark_format=json --benchmark_out="$record/$1.json" --benchmark_out_format=json; }
  run features_bench_cuda 60 "$bin/features_bench" --benchmark_filter=cuda --benchmark_min_time=0.5 \
    --benchmark_repetitions=3 $(bench_json features_bench_cuda)
  timeout -k 5 90 "$python" bench/peers/torchaudio_features_gpu.py --corpora "$CALMSPACE_CORPORA" \
    --min-time 0.5 --repetitions 3 >"$record/torchaudio_features_gpu.json" 2>"$record/torchaudio_features_gpu.log"
  note "torchaudio features peer: exit $? $(cut -c1-400 "$record/torchaudio_features_gpu.json")"
  save
  run gpu_train_step_bench 90 "$bin/gpu_train_step_bench" --benchmark_min_time=0.2 \
    $(bench_json gpu_train_step_bench)
  # The recurrent layers at the SER shapes on the cuDNN backend (CUDA events on the model's stream),
  # checked against the reference before timing; the CPU numbers of the same table are in
  # bench/results/.
  run recurrent_bench_cuda 90 "$bin/recurrent_bench" --backend=cuda --table=configs/bench/ser.yaml \
    --benchmark_min_time=0.2 --benchmark_repetitions=3 $(bench_json recurrent_bench_cuda)

fi

# 3. Training epochs of configs/lstm.yaml with device cuda, per precision, on the RAVDESS subset.
data=$record/ravdess_subset.h5
prepare_subset() {
  # The subset (16 actors by default) is dealt into 8 folds of 2 actors: an epoch trains on the
  # 12 actors of six folds (720 clips), as lstm.yaml's six folds of 4 actors do on all 24.
  [[ -f $data ]] && return 0
  run prepare 60 "$bin/calmspace" prepare ravdess --root "$CALMSPACE_CORPORA/ravdess" --out "$data" \
    --config configs/lstm.yaml 'data.folds=[]' data.num_folds=8
}
if [[ $stages != *" train "* ]]; then
  :
elif [[ -d $CALMSPACE_CORPORA/ravdess ]]; then
  prepare_subset
  for p in fp32 tf32 fp16; do
    run "train_$p" 60 "$bin/calmspace" train configs/lstm.yaml --data "$data" --out "$record/train_$p" \
      train.device=cuda train.precision=$p train.epochs=3 train.patience=0
    [[ -f $record/train_$p/metrics.jsonl ]] && sed "s/^/$p: /" "$record/train_$p/metrics.jsonl" >>"$summary"
  done
  run train_cpu_1epoch 60 "$bin/calmspace" train configs/lstm.yaml --data "$data" \
    --out "$record/train_cpu_1epoch" train.device=cpu train.epochs=1 train.patience=0
  [[ -f $record/train_cpu_1epoch/metrics.jsonl ]] &&
    sed "s/^/cpu: /" "$record/train_cpu_1epoch/metrics.jsonl" >>"$summary"
  # 4. The PyTorch peer on the same stored features, strict FP32 and TF32.
  for variant in fp32 tf32; do
    flag=$([[ $variant == tf32 ]] && echo --tf32)
    timeout -k 5 60 "$python" bench/peers/torch_gpu_train_epoch.py --data "$data" --epochs 3 $flag \
      >"$record/torch_peer_$variant.json" 2>"$record/torch_peer_$variant.log"
    note "torch peer $variant: exit $? $(cat "$record/torch_peer_$variant.json")"
    save
  done
else
  note "no RAVDESS subset under $CALMSPACE_CORPORA: training runs skipped"
fi

# 5. (stage "cells", not in the default set) `calmspace bench` on the GPU: rnn, lstm and gru from
# configs/lstm.yaml (20 epochs, no early stopping) on the first two folds of the subset, with
# bench/peers/torch_cells.py on the same GPU, recipe and data: OUT cells_cuda/bench.json and
# bench.md with the CalmSpace / PyTorch ratios.
if [[ $stages == *" cells "* && -d $CALMSPACE_CORPORA/ravdess ]]; then
  prepare_subset
  mkdir -p "$record/cells_cuda"
  recipe=$record/cells_recipe.yaml
  "$bin/calmspace" bench configs/lstm.yaml --data "$data" --out "$record/cells_cuda" --print-config \
    train.device=cuda train.epochs=20 train.patience=0 >"$recipe"
  run torch_cells_cuda 150 "$python" bench/peers/torch_cells.py "$recipe" --resolved --data "$data" \
    --device cuda --folds 2 --out "$record/torch_cells_cuda.json"
  run cells_cuda 240 "$bin/calmspace" bench "$recipe" --data "$data" --out "$record/cells_cuda" \
    --folds 2 --peer-json "$record/torch_cells_cuda.json" --no-plots
  [[ -f $record/cells_cuda/bench.md ]] && cat "$record/cells_cuda/bench.md" >>"$summary"
fi
save
echo "done: $final"
