// One CPU training step of the sequence model (forward, backward, Adam update) and forward alone,
// for rnn_tanh / lstm / gru: hidden 128, 2 layers, 64 inputs, batch 32 clips of 400 frames, mean
// pooling, 8 classes; 1 and 2 threads; stack 0 the plain stack, 1 with model.residual and
// model.layer_norm between the layers, 2 that and the convolutional front-end at its defaults
// (model.frontend = conv: 2 blocks of 16 channels, 3 x 3 kernels, frequency stride 2, layer norm,
// ReLU; the recurrent layers then read 16 x 16 = 256 values per frame). Peer:
// bench/peers/torch_train_step.py (same shapes); bench/run_train_step_bench.sh runs both and writes
// the comparison. Inputs: seeded Gaussian features (splitmix64 + Box-Muller), random labels; the
// first step is checked (finite loss, logits and gradient norm) before anything is timed.
#include <benchmark/benchmark.h>

#include "bench/lib/bench_context.h"

#include <cmath>
#include <numbers>
#include <string>

#include "core/model/dropout.h"
#include "core/model/loss.h"
#include "core/model/sequence_model.h"
#include "core/train/optimizer.h"

namespace {

using namespace calmspace;

constexpr int kBatch = 32, kFrames = 400, kInputs = 64, kHidden = 128, kLayers = 2, kClasses = 8;

const CellKind kCells[] = {CellKind::RnnTanh, CellKind::Lstm, CellKind::Gru};
const char* const kCellNames[] = {"rnn", "lstm", "gru"};

PaddedBatch make_batch(std::uint64_t seed) {
  PaddedBatch x;
  x.batch = kBatch;
  x.max_frames = kFrames;
  x.dim = kInputs;
  x.lengths.assign(kBatch, kFrames);
  x.data.resize(static_cast<std::size_t>(kBatch) * kFrames * kInputs);
  for (std::size_t i = 0; i < x.data.size(); ++i) {
    const double u1 = (static_cast<double>(splitmix64(seed + 2 * i) >> 11) + 1) * 0x1.0p-53;
    const double u2 = static_cast<double>(splitmix64(seed + 2 * i + 1) >> 11) * 0x1.0p-53;
    x.data[i] =
        static_cast<float>(std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2));
  }
  return x;
}

struct Setup {
  std::unique_ptr<SequenceModel> model;
  PaddedBatch x;
  std::vector<int> labels;
  std::vector<float> logits, dlogits;
  std::unique_ptr<AdamOptimizer> opt;

  Setup(int cell, int threads, int stack) {
    ModelOptions o;
    o.cell = kCells[cell];
    o.residual = stack >= 1;
    o.layer_norm = stack >= 1;
    if (stack == 2) o.frontend = FrontendKind::Conv;
    o.hidden_size = kHidden;
    o.num_layers = kLayers;
    o.pooling = PoolingKind::Mean;
    o.input_norm = false;  // the peer feeds the features as they are
    model = make_cpu_sequence_model(o, kInputs, kClasses, 1);
    model->set_num_threads(threads);
    x = make_batch(7);
    for (int b = 0; b < kBatch; ++b) labels.push_back(static_cast<int>(splitmix64(b) % kClasses));
    dlogits.resize(kBatch * kClasses);
    AdamConfig c;
    c.kind = OptimizerKind::Adam;
    opt = std::make_unique<AdamOptimizer>(c, model->weights().size());
  }
  double step() {
    model->zero_gradients();
    model->forward(x, logits, true, 0);
    const double loss = softmax_cross_entropy(logits, kBatch, kClasses, labels, {}, dlogits);
    model->backward(dlogits);
    opt->step(model->weights(), model->gradients());
    return loss;
  }
  // Empty when the step's outputs are finite, else what is not.
  std::string check() {
    const double loss = step();
    if (!std::isfinite(loss)) return "loss not finite";
    for (float z : logits)
      if (!std::isfinite(z)) return "logits not finite";
    double norm = 0;
    for (float g : model->gradients()) norm += static_cast<double>(g) * g;
    if (!std::isfinite(norm) || norm == 0) return "gradient norm not finite or zero";
    return {};
  }
};

void BM_TrainStep(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
          static_cast<int>(state.range(2)));
  if (auto e = s.check(); !e.empty()) {
    state.SkipWithError(e.c_str());
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(s.step());
  state.counters["clips_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kBatch, benchmark::Counter::kIsRate);
  state.SetLabel(kCellNames[state.range(0)]);
}

void BM_Forward(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
          static_cast<int>(state.range(2)));
  if (auto e = s.check(); !e.empty()) {
    state.SkipWithError(e.c_str());
    return;
  }
  for (auto _ : state) {
    s.model->forward(s.x, s.logits, false, 0);
    benchmark::DoNotOptimize(s.logits.data());
  }
  state.counters["clips_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kBatch, benchmark::Counter::kIsRate);
  state.SetLabel(kCellNames[state.range(0)]);
}

void args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"cell", "threads", "stack"});
  for (int stack : {0, 1, 2})
    for (int c = 0; c < 3; ++c)
      for (int t : {1, 2}) b->Args({c, t, stack});
  b->UseRealTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_TrainStep)->Apply(args);
BENCHMARK(BM_Forward)->Apply(args);

}  // namespace

// The machine record (CPU, threads, CUDA/cuDNN or why no GPU, git revision) goes into the JSON
// context: bench/lib/bench_context.h.
int main(int argc, char** argv) {
  return calmspace::bench::run_benchmarks_with_machine_context(argc, argv);
}
