// CPU log-mel extraction throughput on real speech: a batch of 4 s, 16 kHz clips cut (or tiled)
// from RAVDESS, at 1 and 2 threads, default FeatureOptions (n_fft 512, win 400, hop 160, 64 htk
// mels, centred, power 2, log floor 1e-10). Counter audio_s_per_s: seconds of audio per wall
// second. The clip choice (every (count/32)-th of the sorted ravdess/Actor_*/*.flac paths, tiled to
// exactly 4 s) is the same as bench/peers/torchaudio_logmel.py, so the two are directly comparable;
// bench/run_features_bench.sh runs both. Without the corpus, seeded noise is used and the label
// says so.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/audio/decode.h"
#include "core/features/feature_extractor.h"

namespace calmspace {
namespace {

constexpr int kRate = 16000;
constexpr int kBatch = 32;
constexpr double kSeconds = 4.0;
constexpr std::int64_t kSamples = static_cast<std::int64_t>(kSeconds * kRate);

struct Clips {
  std::vector<std::vector<float>> audio;
  std::string source;
};

// Repeats `x` until it has exactly n samples (cuts when longer).
std::vector<float> tile_to(const std::vector<float>& x, std::int64_t n) {
  std::vector<float> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) out[i] = x[static_cast<std::size_t>(i) % x.size()];
  return out;
}

Clips load_clips() {
  Clips clips;
  const std::filesystem::path root = std::filesystem::path(CALMSPACE_BENCH_CORPORA) / "ravdess";
  std::vector<std::string> paths;
  if (std::filesystem::is_directory(root))
    for (const auto& actor : std::filesystem::directory_iterator(root))
      if (actor.is_directory() && actor.path().filename().string().rfind("Actor_", 0) == 0)
        for (const auto& f : std::filesystem::directory_iterator(actor.path()))
          if (f.path().extension() == ".flac")
            paths.push_back(std::filesystem::relative(f.path(), root).string());
  std::sort(paths.begin(), paths.end());
  if (paths.size() >= kBatch) {
    const std::size_t stride = paths.size() / kBatch;
    for (int i = 0; i < kBatch; ++i) {
      const Audio a = load_audio((root / paths[i * stride]).string(), AudioOptions{});
      clips.audio.push_back(tile_to(a.samples, kSamples));
    }
    clips.source = "ravdess (" + std::to_string(kBatch) + " clips of " +
                   std::to_string(paths.size()) + ", tiled to 4 s)";
    return clips;
  }
  // Fallback: seeded Gaussian noise (xorshift + Box-Muller), not speech.
  std::uint64_t s = 12345;
  const auto next = [&] {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return (static_cast<double>(s >> 11) + 1.0) * 0x1.0p-53;
  };
  for (int b = 0; b < kBatch; ++b) {
    std::vector<float> x(static_cast<std::size_t>(kSamples));
    for (auto& v : x)
      v = static_cast<float>(0.1 * std::sqrt(-2 * std::log(next())) *
                             std::cos(6.283185307 * next()));
    clips.audio.push_back(std::move(x));
  }
  clips.source = "SEEDED NOISE: corpus missing at " + root.string();
  return clips;
}

const Clips& clips() {
  static const Clips c = load_clips();
  return c;
}

void BM_CpuLogMel(benchmark::State& state) {
  FeatureOptions options;
  options.num_threads = static_cast<int>(state.range(0));
  auto extractor = make_cpu_feature_extractor(options, kRate);
  const std::vector<std::span<const float>> batch(clips().audio.begin(), clips().audio.end());

  // Validate once before timing: shape (32, 401, 64), every value finite and above the floor.
  const PaddedBatch check = extractor->extract_batch(batch);
  const std::int64_t frames = options.num_frames(kSamples, kRate);
  bool ok = check.batch == kBatch && check.max_frames == frames && check.dim == 64;
  for (auto len : check.lengths) ok = ok && len == frames;
  for (float v : check.data) ok = ok && std::isfinite(v) && v >= std::log(1e-10f) - 1e-3f;
  if (!ok) {
    state.SkipWithError("output check failed (shape or non-finite values)");
    return;
  }

  for (auto _ : state) {
    PaddedBatch out = extractor->extract_batch(batch);
    benchmark::DoNotOptimize(out.data.data());
    benchmark::ClobberMemory();
  }
  state.counters["audio_s_per_s"] = benchmark::Counter(
      kBatch * kSeconds * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["threads"] = static_cast<double>(options.num_threads);
  state.SetLabel(clips().source);
}

BENCHMARK(BM_CpuLogMel)
    ->Name("features_cpu_logmel/b32x4s")
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace calmspace

BENCHMARK_MAIN();
