// One GPU training step of the cuDNN backend (make_training_step on a cuDNN model: upload,
// forward, loss, backward, clipping, AdamW, all queued on the device) and forward alone, for
// rnn_tanh / lstm / gru: hidden 128, 2 layers, 64 inputs, batch 32 clips of 400 frames, mean
// pooling, 8 classes (the shapes of train_step_bench.cpp), at precision fp32 / tf32 / fp16.
// Timing: each benchmark iteration queues kSteps steps and then waits once for the device (the
// loss read), so the wall time per iteration is device throughput, not launch latency. Skips
// with the runtime's reason when no GPU is usable. The first step is checked (finite loss).
// Peer: bench/peers/torch_gpu_train_epoch.py (run by bench/gpu/run_on_device.sh).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <string>

#include "core/model/backend.h"
#include "core/model/dropout.h"
#include "core/train/training_step.h"
#include "cuda/common/runtime.h"
#include "cuda/register.h"

namespace {

using namespace calmspace;

constexpr int kBatch = 32, kFrames = 400, kInputs = 64, kHidden = 128, kLayers = 2, kClasses = 8;
constexpr int kSteps = 10;
const CellKind kCells[] = {CellKind::RnnTanh, CellKind::Lstm, CellKind::Gru};
const char* const kCellNames[] = {"rnn", "lstm", "gru"};
const Precision kPrecisions[] = {Precision::Fp32, Precision::Tf32, Precision::Fp16};

Batch make_batch() {
  Batch batch;
  PaddedBatch& x = batch.x;
  x.batch = kBatch;
  x.max_frames = kFrames;
  x.dim = kInputs;
  x.lengths.assign(kBatch, kFrames);
  x.data.resize(static_cast<std::size_t>(kBatch) * kFrames * kInputs);
  for (std::size_t i = 0; i < x.data.size(); ++i)  // uniform in [-1.7, 1.7): variance ~1
    x.data[i] =
        static_cast<float>((static_cast<double>(splitmix64(7 + i) >> 11) * 0x1.0p-53 - 0.5) * 3.46);
  for (int b = 0; b < kBatch; ++b)
    batch.labels.push_back(static_cast<int>(splitmix64(b) % kClasses));
  return batch;
}

// Empty when a GPU is usable, else why not.
std::string no_gpu() {
  cuda::register_backends();
  return cuda::query_runtime().no_gpu_reason;
}

void BM_GpuTrainStep(benchmark::State& state) {
  if (const auto why = no_gpu(); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  ModelOptions o;
  o.cell = kCells[state.range(0)];
  o.hidden_size = kHidden;
  o.num_layers = kLayers;
  o.pooling = PoolingKind::Mean;
  o.input_norm = false;
  auto model = make_sequence_model(o, kInputs, kClasses, 1, {"cuda", kPrecisions[state.range(1)]});
  TrainStepConfig config;
  config.grad_clip = 5.0;
  auto step = make_training_step(*model, config);
  const Batch batch = make_batch();
  step->run(batch, 0, 0, 0);
  if (!std::isfinite(step->totals().loss_sum)) {
    state.SkipWithError("first step: loss not finite");
    return;
  }
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    for (int k = 0; k < kSteps; ++k) step->run(batch, 0, 0, k);
    benchmark::DoNotOptimize(step->totals().loss_sum);  // waits for the device
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  state.counters["clips_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kSteps * kBatch, benchmark::Counter::kIsRate);
  state.SetLabel(std::string(kCellNames[state.range(0)]) + " " +
                 enum_name(precision_table(), kPrecisions[state.range(1)]));
}

void BM_GpuForward(benchmark::State& state) {
  if (const auto why = no_gpu(); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  ModelOptions o;
  o.cell = kCells[state.range(0)];
  o.hidden_size = kHidden;
  o.num_layers = kLayers;
  o.pooling = PoolingKind::Mean;
  o.input_norm = false;
  auto model = make_sequence_model(o, kInputs, kClasses, 1, {"cuda", kPrecisions[state.range(1)]});
  const Batch batch = make_batch();
  std::vector<float> logits;
  for (auto _ : state) {  // forward() returns the logits to the host: one wait per call
    const auto start = std::chrono::steady_clock::now();
    model->forward(batch.x, logits, false, 0);
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  for (float z : logits)
    if (!std::isfinite(z)) state.SkipWithError("logits not finite");
  state.counters["clips_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kBatch, benchmark::Counter::kIsRate);
  state.SetLabel(std::string(kCellNames[state.range(0)]) + " " +
                 enum_name(precision_table(), kPrecisions[state.range(1)]));
}

void args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"cell", "precision"});
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 3; ++p) b->Args({c, p});
  b->UseManualTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_GpuTrainStep)->Apply(args);
BENCHMARK(BM_GpuForward)->Apply(args);

}  // namespace

BENCHMARK_MAIN();
