// Recurrent layers from shape tables (configs/bench/*.yaml, core/bench/shape_table.h): per shape
// and backend, timed separately
//   fwd        forward in training mode (what backward needs), logits included
//   fwd_infer  forward in evaluation mode (prediction)
//   bwd        backward-data and backward-weights TOGETHER (both backends): backward()
//              computes both in one pass (SequenceModel has one call); a backend that splits them
//              registers bwd_data and bwd_weights instead (bench/lib/backends.h)
//   step       a full training step: zero grads, forward, softmax cross-entropy, backward, Adam
// Counters: clips_per_s, frames_per_s, GFLOP_per_s (the FLOP convention of
// core/bench/shape_table.h, also in the JSON context as flop_convention). Manual time through a
// pluggable timer (bench/lib/bench_timer.h: the wall clock on the CPU, CUDA events on the GPU);
// one untimed warm-up pass per benchmark; repetitions and aggregates (median, stddev) come from
// --benchmark_repetitions. Every shape's backend is checked against the reference model once
// before anything is timed (bench/lib/reference_check.h); a failed check skips with the error.
// Usage:
//   recurrent_bench [--table=FILE.yaml ...] [--backend=cpu|cuda] [--threads=N] [--passes=fwd,...]
//                   [Google Benchmark flags: --benchmark_filter=lstm/H128 ...]
// Default table: configs/bench/quick.yaml. Names: recurrent/<backend>/<pass>/<cell>/H.._L.._..
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench/lib/backends.h"
#include "bench/lib/bench_context.h"
#include "bench/lib/bench_timer.h"
#include "bench/lib/reference_check.h"
#include "core/bench/shape_table.h"
#include "core/model/loss.h"
#include "core/train/optimizer.h"
#include "cuda/register.h"

namespace calmspace::bench {
namespace {

struct Settings {
  std::vector<std::string> tables;
  std::string backend = "cpu";
  int threads = 0;
  std::vector<std::string> passes = {"fwd", "fwd_infer", "bwd", "step"};
};

// One reference check per (backend, shape), before the first timing of that shape.
const CheckResult& checked(const std::string& backend, const RecurrentShape& s, int threads) {
  static std::map<std::string, CheckResult> done;
  const std::string key = backend + "/" + s.name();
  auto it = done.find(key);
  if (it == done.end()) {
    auto model = make_bench_model(backend, s.model_options(), s.input, s.classes, 1, threads);
    it = done.emplace(key, check_against_reference(*model, s)).first;
  }
  return it->second;
}

void run_pass(benchmark::State& state, const Settings& cfg, const RecurrentShape& s,
              const std::string& pass) {
  std::unique_ptr<SequenceModel> model;
  std::unique_ptr<BenchTimer> timer;
  try {
    const CheckResult& check = checked(cfg.backend, s, cfg.threads);
    if (!check.error.empty()) {
      state.SkipWithError(check.error.c_str());
      return;
    }
    state.SetLabel(check.summary);
    if (cfg.backend == "cuda" && pass == "step") {
      // This pass runs the host optimizer on host copies of the weights; the device training
      // step (device-side loss, clipping and Adam) is timed by bench/gpu_train_step_bench.
      state.SkipWithError("step on cuda: see gpu_train_step_bench (the device-side training step)");
      return;
    }
    model = make_bench_model(cfg.backend, s.model_options(), s.input, s.classes, 1, cfg.threads);
    // Host backends: wall clock. cuda: CUDA events on the model's stream (GPU time of the pass).
    timer = make_bench_timer(cfg.backend, model->device_stream());
  } catch (const Error& e) {
    state.SkipWithError(e.what());
    return;
  }
  const PaddedBatch x = gaussian_batch(s.batch, s.frames, s.input, 7);
  std::vector<int> labels;
  for (int b = 0; b < s.batch; ++b) labels.push_back(static_cast<int>(splitmix64(b) % s.classes));
  std::vector<float> logits, dlogits(static_cast<std::size_t>(s.batch) * s.classes);
  AdamConfig ac;
  ac.kind = OptimizerKind::Adam;
  AdamOptimizer adam(ac, model->weights().size());

  const auto loss_grad = [&] {
    return softmax_cross_entropy(logits, s.batch, s.classes, labels, {}, dlogits);
  };
  // One iteration of the pass; only the bracketed part is timed.
  const auto once = [&]() -> double {
    if (pass == "fwd") {
      timer->start();
      model->forward(x, logits, true, 0);
      return timer->stop();
    }
    if (pass == "fwd_infer") {
      timer->start();
      model->forward(x, logits, false, 0);
      return timer->stop();
    }
    if (pass == "bwd") {
      model->zero_gradients();
      model->forward(x, logits, true, 0);
      loss_grad();
      timer->start();
      model->backward(dlogits);
      return timer->stop();
    }
    timer->start();  // step
    model->zero_gradients();
    model->forward(x, logits, true, 0);
    loss_grad();
    model->backward(dlogits);
    adam.step(model->weights(), model->gradients());
    return timer->stop();
  };
  once();  // warm-up: workspaces allocated, caches warm
  for (const float v : logits)
    if (!std::isfinite(v)) {
      state.SkipWithError("non-finite logits on the benchmark batch");
      return;
    }
  for (auto _ : state) state.SetIterationTime(once());

  const RecurrentFlops f = recurrent_flops(s);
  const double flops = pass == "fwd" || pass == "fwd_infer" ? f.forward
                       : pass == "bwd"                      ? f.backward_data + f.backward_weights
                                                            : f.training_step();
  const auto n = static_cast<double>(state.iterations());
  using C = benchmark::Counter;
  state.counters["clips_per_s"] = C(n * s.batch, C::kIsRate);
  state.counters["frames_per_s"] = C(n * s.batch * s.frames, C::kIsRate);
  state.counters["GFLOP_per_s"] = C(n * flops / 1e9, C::kIsRate);
  state.counters["GFLOP"] = flops / 1e9;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

// Takes our flags out of argv (Google Benchmark rejects unknown ones).
Settings parse_settings(int& argc, char** argv) {
  Settings cfg;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&](const char* flag) -> const char* {
      const std::string f = std::string(flag) + "=";
      return a.rfind(f, 0) == 0 ? argv[i] + f.size() : nullptr;
    };
    if (const char* v = value("--table"))
      cfg.tables.push_back(v);
    else if (const char* v2 = value("--backend"))
      cfg.backend = v2;
    else if (const char* v3 = value("--threads"))
      cfg.threads = std::stoi(v3);
    else if (const char* v4 = value("--passes"))
      cfg.passes = split(v4);
    else
      argv[kept++] = argv[i];
  }
  argc = kept;
  if (cfg.tables.empty()) cfg.tables.push_back(CALMSPACE_BENCH_SOURCE "/configs/bench/quick.yaml");
  for (const auto& p : cfg.passes)
    if (p != "fwd" && p != "fwd_infer" && p != "bwd" && p != "step")
      throw InputError("--passes", cat("unknown pass '", p, "' (fwd, fwd_infer, bwd, step)"));
  return cfg;
}

int run(int argc, char** argv) {
  cuda::register_backends();  // --backend=cuda: the cuDNN model through make_sequence_model
  const Settings cfg = parse_settings(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  std::string tables;
  for (const auto& path : cfg.tables) {
    const ShapeTable table = load_shape_table(path);
    tables += (tables.empty() ? "" : ", ") + path;
    for (const auto& shape : table.shapes)
      for (const auto& pass : cfg.passes)
        benchmark::RegisterBenchmark(
            cat("recurrent/", cfg.backend, "/", pass, "/", shape.name()).c_str(),
            [cfg, shape, pass](benchmark::State& st) { run_pass(st, cfg, shape, pass); })
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond);
  }
  add_machine_context(cfg.threads);
  benchmark::AddCustomContext("shape_tables", tables);
  benchmark::AddCustomContext("backend", cfg.backend);
  benchmark::AddCustomContext("timer", bench_timer_name(cfg.backend));
  benchmark::AddCustomContext("flop_convention", kRecurrentFlopConvention);
  benchmark::AddCustomContext(
      "backward", splits_backward(cfg.backend)
                      ? "bwd_data and bwd_weights timed apart"
                      : "bwd = backward-data and backward-weights together (one backward() call "
                        "in this backend); GFLOP counts both");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace
}  // namespace calmspace::bench

int main(int argc, char** argv) {
  try {
    return calmspace::bench::run(argc, argv);
  } catch (const calmspace::Error& e) {
    std::fprintf(stderr, "recurrent_bench: error: %s\n", e.what());
    return 1;
  }
}
