// Prediction latency: one 4 s clip end to end on one core — decode a 16 kHz WAV file, log-mel
// features, the model (configs/lstm.yaml architecture: LSTM 2 x 128, 64 log-mels) and softmax.
// Target: under 10 ms. The clip is real RAVDESS speech tiled to exactly 4 s (seeded
// noise when the corpus is absent; the label says which). Weights are random: the work per clip
// does not depend on their values.
#include <benchmark/benchmark.h>

#include "bench/lib/bench_context.h"

#include <cmath>
#include <filesystem>

#include "core/audio/decode.h"
#include "core/audio/encode.h"
#include "core/predict/predictor.h"
#include "core/run/model_checkpoint.h"

namespace calmspace {
namespace {

namespace fs = std::filesystem;

struct Fixture {
  fs::path wav;
  std::string source;
  Checkpoint checkpoint;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture out;
    Config config = resolve_config(CALMSPACE_BENCH_SOURCE "/configs/lstm.yaml", {});
    std::vector<float> clip;
    const fs::path real =
        fs::path(CALMSPACE_BENCH_CORPORA) / "ravdess/Actor_01/03-01-05-01-01-01-01.flac";
    if (fs::exists(real)) {
      clip = load_audio(real.string(), config.audio).samples;
      out.source = "ravdess";
    } else {
      clip.resize(16000);
      for (std::size_t i = 0; i < clip.size(); ++i)
        clip[i] = 0.1f * std::sin(0.37 * double(i * i % 1000));
      out.source = "synthetic";
    }
    std::vector<float> four_s(4 * 16000);
    for (std::size_t i = 0; i < four_s.size(); ++i) four_s[i] = clip[i % clip.size()];
    out.wav = fs::temp_directory_path() / "calmspace_predict_bench.wav";
    write_wav16(out.wav.string(), four_s, 16000);
    const int F = model_input_dim(config);
    auto model = make_cpu_sequence_model(config.model, F, 8, 1);
    model->set_input_norm(std::vector<float>(F, -5.0f), std::vector<float>(F, 3.0f));
    const std::vector<std::string> labels = {"neutral", "calm",    "happy",   "sad",
                                             "angry",   "fearful", "disgust", "surprised"};
    out.checkpoint = checkpoint_of(*model, config, labels, {});
    return out;
  }();
  return f;
}

void BM_PredictFourSecondClip(benchmark::State& state) {
  const Fixture& f = fixture();
  Predictor predictor(f.checkpoint, /*threads=*/1);
  TimelineOptions no_timeline;
  no_timeline.min_duration_s = 1e9;
  double check = 0;
  for (auto _ : state) {
    const Audio audio = load_audio(f.wav.string(), predictor.config().audio);
    const Prediction p = predictor.predict(audio.samples, no_timeline);
    check += p.probabilities[p.predicted];
  }
  if (!(check > 0)) state.SkipWithError("no prediction");
  state.SetLabel(f.source + " clip, 4.00 s, 1 thread");
}
BENCHMARK(BM_PredictFourSecondClip)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace calmspace

// The machine record (CPU, threads, CUDA/cuDNN or why no GPU, git revision) goes into the JSON
// context: bench/lib/bench_context.h.
int main(int argc, char** argv) {
  return calmspace::bench::run_benchmarks_with_machine_context(argc, argv);
}
