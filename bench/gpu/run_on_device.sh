#!/usr/bin/env bash
# Runs ON THE LENT GPU MACHINE (see /work/shared/DEVICE.md), from the repository root, after
# bench/gpu/pack_for_device.sh packed .devlibs/ here and the device call carried it:
#   device run: bash bench/gpu/run_on_device.sh      (carry [".devlibs"])
# One call, one complete record: $OUT (default ./device-out) receives summary.txt, versions.txt and
# device_record.tgz (the device tool returns at most 8 files) holding:
#   versions.txt         nvidia-smi, driver / CUDA / cuDNN (calmspace devices, torch), git revision
#   gpu_tests.xml/.log   every gpu-labelled test (the tests/gpu binary: what `ctest -L gpu` runs)
#   bench_*.json         the bench binaries (CPU suites unless CUDA variants exist)
#   train_<precision>/   `calmspace train configs/lstm.yaml train.device=cuda` for 3 epochs on the
#                        carried RAVDESS subset (three folds of its actors) at fp32, tf32 and fp16
#                        (metrics.jsonl: loss, UA, clips/s per epoch: each precision's effect on
#                        accuracy and speed; a subset this small only shows gross effects)
#   train_cpu_1epoch/    one CPU epoch of the same run (loss reference for the fp32 GPU epoch 1)
#   torch_peer_*.json    bench/peers/torch_gpu_train_epoch.py on the same stored features
#   summary.txt          what ran, exit codes, the lines that matter
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
final=${OUT:-$root/device-out}
mkdir -p "$final"
OUT=$(mktemp -d)  # the working record; packed into $final at the end
# .devlibs/pack.tar.xz (bench/gpu/pack_for_device.sh) unpacks to $pack: bin/, lib/, corpora/.
unpacked=$(mktemp -d)
if [[ -f $root/.devlibs/pack.tar.xz ]]; then
  xz -dc "$root/.devlibs/pack.tar.xz" | tar -C "$unpacked" -xf -
fi
pack=$unpacked/pack
bin=$pack/bin
summary=$OUT/summary.txt
: >"$summary"
note() { echo "$*" | tee -a "$summary"; }
run() {  # run NAME CMD...: log to $OUT/NAME.log, record the exit code
  local name=$1
  shift
  "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  note "$name: exit $rc"
  return 0
}

if [[ ! -x $bin/calmspace ]]; then
  note "no $bin/calmspace: run bench/gpu/pack_for_device.sh on the build machine, carry .devlibs"
  cp "$summary" "$final/"
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

{
  echo "date: $(date -u +%FT%TZ)"
  echo "revision: $(cat "$pack/REVISION" 2>/dev/null || git rev-parse HEAD 2>/dev/null)"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  nvidia-smi 2>&1
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
  "$bin/calmspace" devices 2>&1
  "$python" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version())" 2>&1
  echo "missing libraries:"; ldd "$bin/calmspace" "$bin/gpu_tests" | grep "not found" || echo "  none"
} >"$OUT/versions.txt"
note "versions: $(grep -m1 -E '^gpu 0' "$OUT/versions.txt" || echo 'no gpu line (see versions.txt)')"

# 1. Every gpu test (label gpu = the gpu_tests binary).
run gpu_tests "$bin/gpu_tests" --gtest_output="xml:$OUT/gpu_tests.xml"
{ grep -E '^\[  FAILED  \]' "$OUT/gpu_tests.log"; tail -n 4 "$OUT/gpu_tests.log"; } >>"$summary"

if [[ -n ${CALMSPACE_DEVICE_SMOKE:-} ]]; then  # a dry run of the script itself (no GPU needed)
  note "smoke run: benchmarks and training skipped"
  cp "$summary" "$OUT/versions.txt" "$final/"
  tar czf "$final/device_record.tgz" --exclude='*.h5' -C "$OUT" .
  exit 0
fi

# 2. Benchmarks that exist in this build (short runs; the record is their JSON).
for b in "$bin"/*_bench; do
  [[ -x $b ]] || continue
  name=$(basename "$b")
  run "$name" "$b" --benchmark_min_time=0.2 --benchmark_format=json --benchmark_out="$OUT/$name.json" \
    --benchmark_out_format=json
done
# The recurrent layers at the SER shapes on the cuDNN backend (CUDA events on the model's stream),
# against the reference before timing; the CPU numbers of the same table are in bench/results/.
if [[ -x $bin/recurrent_bench ]]; then
  run recurrent_bench_cuda "$bin/recurrent_bench" --backend=cuda --table=configs/bench/ser.yaml \
    --benchmark_min_time=0.2 --benchmark_repetitions=3 --benchmark_format=json \
    --benchmark_out="$OUT/recurrent_bench_cuda.json" --benchmark_out_format=json
fi

# 3. Training epochs of configs/lstm.yaml with device cuda, per precision, on the RAVDESS subset.
data=$OUT/ravdess_subset.h5
if [[ -d $CALMSPACE_CORPORA/ravdess ]]; then
  # The subset has fewer actors than lstm.yaml's six folds: deal them into three folds instead.
  run prepare "$bin/calmspace" prepare ravdess --root "$CALMSPACE_CORPORA/ravdess" --out "$data" \
    --config configs/lstm.yaml 'data.folds=[]' data.num_folds=3
  for p in fp32 tf32 fp16; do
    run "train_$p" "$bin/calmspace" train configs/lstm.yaml --data "$data" --out "$OUT/train_$p" \
      train.device=cuda train.precision=$p train.epochs=3 train.patience=0
    [[ -f $OUT/train_$p/metrics.jsonl ]] && sed "s/^/$p: /" "$OUT/train_$p/metrics.jsonl" >>"$summary"
  done
  run train_cpu_1epoch "$bin/calmspace" train configs/lstm.yaml --data "$data" \
    --out "$OUT/train_cpu_1epoch" train.device=cpu train.epochs=1 train.patience=0
  [[ -f $OUT/train_cpu_1epoch/metrics.jsonl ]] && sed "s/^/cpu: /" "$OUT/train_cpu_1epoch/metrics.jsonl" >>"$summary"
  # 4. The PyTorch peer on the same stored features, strict FP32 and TF32.
  "$python" bench/peers/torch_gpu_train_epoch.py --data "$data" --epochs 3 \
    >"$OUT/torch_peer_fp32.json" 2>"$OUT/torch_peer_fp32.log"
  note "torch peer fp32: exit $? $(cat "$OUT/torch_peer_fp32.json")"
  "$python" bench/peers/torch_gpu_train_epoch.py --data "$data" --epochs 3 --tf32 \
    >"$OUT/torch_peer_tf32.json" 2>"$OUT/torch_peer_tf32.log"
  note "torch peer tf32: exit $? $(cat "$OUT/torch_peer_tf32.json")"
  rm -f "$data"  # large; everything derived from it is recorded above
else
  note "no RAVDESS subset under $CALMSPACE_CORPORA: training runs skipped"
fi
# Hand back three files: the summary, the versions and everything else (checkpoints left out).
cp "$summary" "$OUT/versions.txt" "$final/"
tar czf "$final/device_record.tgz" --exclude='*.h5' -C "$OUT" .
echo "done: $final"
