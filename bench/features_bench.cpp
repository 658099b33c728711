// CPU log-mel extraction throughput on real speech: a batch of 4 s, 16 kHz clips cut (or tiled)
// from RAVDESS, at 1 and 2 threads, default FeatureOptions (n_fft 512, win 400, hop 160, 64 htk
// mels, centred, power 2, log floor 1e-10). Counters: audio_s_per_s (seconds of audio per wall
// second) and GB_per_s, the fewest bytes the stage must move (float32 samples in, float32
// features out: bytes_per_audio_s = 4 x 16000 + 4 x frames/s x 64) per second. With a GPU, the
// context records its peak bandwidth and the roofline (peak GB/s / bytes_per_audio_s, the most
// audio-s/s any backend can reach when memory-bound) is printed beside the figures;
// `calmspace plot RESULT.json` draws them (feature_roofline). Backend: bench/lib/backends.h. The
// clip choice (every (count/32)-th of the sorted ravdess/Actor_*/*.flac paths, tiled to exactly 4
// s) is the same as bench/peers/torchaudio_logmel.py, so the two are directly comparable;
// bench/run_features_bench.sh runs both. The corpus is $CALMSPACE_CORPORA, else the build's
// CALMSPACE_CORPORA; without it, seeded noise is used and the label says so.
//
// CUDA (features_cuda_logmel/*): the same batch and options through cuda/feature_extractor_cuda.h.
//   device: audio already in GPU memory -> features in GPU memory (the training path), timed with
//           CUDA events around each call (manual time). Counters: audio_s_per_s; GB_per_s = the
//           minimum bytes a feature pass must move (every sample read once, every output value
//           written once: B*N*4 + B*T*F*4 bytes) per second; roofline_pct = that rate against the
//           GPU's peak memory bandwidth (query_runtime()). The label states the peak and the
//           floor time of the minimum bytes.
//   host:   extract_batch() from host memory to host memory (copies included), wall time.
// Without a GPU both are reported as skipped with the runtime's reason. The torchaudio peer on the
// GPU is bench/peers/torchaudio_features_gpu.py.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "bench/lib/backends.h"
#include "bench/lib/bench_context.h"
#include "bench/lib/bench_timer.h"
#include "core/audio/decode.h"
#include "core/features/feature_extractor.h"
#include "cuda/common/gpu_memory.h"
#include "cuda/common/runtime.h"
#include "cuda/features/feature_extractor_cuda.h"

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
  // CALMSPACE_CORPORA (a corpus folder elsewhere, e.g. on the lent GPU machine) over the build's.
  const char* env = std::getenv("CALMSPACE_CORPORA");
  const std::filesystem::path corpora = env && *env ? env : CALMSPACE_BENCH_CORPORA;
  const std::filesystem::path root = corpora / "ravdess";
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
  std::unique_ptr<FeatureExtractor> extractor;
  try {
    extractor = bench::make_bench_features("cpu", options, kRate, options.num_threads);
  } catch (const Error& e) {
    state.SkipWithError(e.what());
    return;
  }
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

  auto timer = bench::make_bench_timer("cpu");  // manual time: CUDA events on the GPU
  for (auto _ : state) {
    timer->start();
    PaddedBatch out = extractor->extract_batch(batch);
    const double seconds = timer->stop();
    benchmark::DoNotOptimize(out.data.data());
    benchmark::ClobberMemory();
    state.SetIterationTime(seconds);
  }
  state.counters["audio_s_per_s"] = benchmark::Counter(
      kBatch * kSeconds * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["threads"] = static_cast<double>(options.num_threads);
  const double bytes = 4.0 * static_cast<double>(kBatch) * (kSamples + frames * check.dim);
  state.counters["bytes_per_audio_s"] = bytes / (kBatch * kSeconds);
  state.counters["GB_per_s"] = benchmark::Counter(
      bytes * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
  state.SetLabel(clips().source);
}

BENCHMARK(BM_CpuLogMel)
    ->Name("features_cpu_logmel/b32x4s")
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// Shape and sanity of one output against the CPU reference (the parity tests hold the real
// tolerance): same lengths, every value within 1e-3 + 1e-3|cpu|.
bool close_to_cpu(const std::vector<float>& got, const PaddedBatch& cpu) {
  if (got.size() != cpu.data.size()) return false;
  for (std::size_t i = 0; i < got.size(); ++i)
    if (!(std::abs(got[i] - cpu.data[i]) <= 1e-3 + 1e-3 * std::abs(cpu.data[i]))) return false;
  return true;
}

const PaddedBatch& cpu_reference() {
  static const PaddedBatch ref = [] {
    const std::vector<std::span<const float>> batch(clips().audio.begin(), clips().audio.end());
    return make_cpu_feature_extractor(FeatureOptions{}, kRate)->extract_batch(batch);
  }();
  return ref;
}

void BM_CudaLogMelDevice(benchmark::State& state) {
  const cuda::RuntimeReport report = cuda::query_runtime();
  if (!report.has_gpu()) {
    state.SkipWithError(("skipped: " + report.no_gpu_reason).c_str());
    return;
  }
  const FeatureOptions options;
  auto extractor = CudaFeatureExtractor::create(options, kRate);
  std::vector<float> all;
  std::vector<std::int64_t> sizes;
  for (const auto& clip : clips().audio) {
    all.insert(all.end(), clip.begin(), clip.end());
    sizes.push_back(static_cast<std::int64_t>(clip.size()));
  }
  const std::int64_t frames = options.num_frames(kSamples, kRate);
  const std::int64_t dim = extractor->feature_dim();
  const std::size_t out_count = static_cast<std::size_t>(kBatch * frames * dim);
  cuda::GpuBytes samples(all.size() * sizeof(float));
  samples.upload(all.data(), all.size() * sizeof(float));
  cuda::GpuBytes out(out_count * sizeof(float));
  cuda::GpuStream stream;
  const DeviceClips in{samples.as<const float>(), sizes, {}};
  const DeviceFeatures features{out.as<float>(), frames, nullptr};

  // Validate (and warm up: plans, workspace) before timing.
  extractor->extract_device(in, features, stream.get());
  stream.synchronize();
  std::vector<float> got(out_count);
  out.download(got.data(), got.size() * sizeof(float));
  if (!close_to_cpu(got, cpu_reference())) {
    state.SkipWithError("output check against the CPU reference failed");
    return;
  }

  const auto timer = bench::make_bench_timer("cuda", stream.get());  // CUDA events on the stream
  double total_s = 0;
  for (auto _ : state) {
    timer->start();
    extractor->extract_device(in, features, stream.get());
    const double seconds = timer->stop();
    state.SetIterationTime(seconds);
    total_s += seconds;
  }
  const double iterations = static_cast<double>(state.iterations());
  const double min_bytes =
      static_cast<double>(all.size() * sizeof(float) + out_count * sizeof(float));
  const double peak_gbs = report.gpus[0].memory_bandwidth_gbs;
  const double gbs = min_bytes * iterations / total_s / 1e9;
  state.counters["audio_s_per_s"] = kBatch * kSeconds * iterations / total_s;
  state.counters["GB_per_s"] = gbs;
  state.counters["roofline_pct"] = peak_gbs > 0 ? 100.0 * gbs / peak_gbs : 0.0;
  // The CPU variant's convention, so `calmspace plot` draws the GPU against its roofline too.
  state.counters["bytes_per_audio_s"] = min_bytes / (kBatch * kSeconds);
  char label[320];
  std::snprintf(label, sizeof label,
                "%s; %s peak %.0f GB/s; min bytes %.2f MB (samples read once + features written "
                "once) -> floor %.2f us",
                clips().source.c_str(), report.gpus[0].name.c_str(), peak_gbs, min_bytes / 1e6,
                peak_gbs > 0 ? min_bytes / (peak_gbs * 1e9) * 1e6 : 0.0);
  state.SetLabel(label);
}

BENCHMARK(BM_CudaLogMelDevice)
    ->Name("features_cuda_logmel/device/b32x4s")
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

void BM_CudaLogMelHost(benchmark::State& state) {
  const cuda::RuntimeReport report = cuda::query_runtime();
  if (!report.has_gpu()) {
    state.SkipWithError(("skipped: " + report.no_gpu_reason).c_str());
    return;
  }
  auto extractor = bench::make_bench_features("cuda", FeatureOptions{}, kRate, 0);
  const std::vector<std::span<const float>> batch(clips().audio.begin(), clips().audio.end());
  const PaddedBatch check = extractor->extract_batch(batch);
  if (!close_to_cpu(check.data, cpu_reference()) || check.lengths != cpu_reference().lengths) {
    state.SkipWithError("output check against the CPU reference failed");
    return;
  }
  for (auto _ : state) {
    PaddedBatch out = extractor->extract_batch(batch);
    benchmark::DoNotOptimize(out.data.data());
    benchmark::ClobberMemory();
  }
  state.counters["audio_s_per_s"] = benchmark::Counter(
      kBatch * kSeconds * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(clips().source + "; " + report.gpus[0].name + "; host memory in and out");
}

BENCHMARK(BM_CudaLogMelHost)
    ->Name("features_cuda_logmel/host/b32x4s")
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace calmspace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  const auto machine = calmspace::bench::add_machine_context(0);
  // The roofline: a memory-bound stage can go no faster than peak bandwidth / bytes it must move.
  const double bytes_per_audio_s = 4.0 * calmspace::kRate + 4.0 * 100.25 * 64;  // (401 frames/4 s)
  for (const auto& g : machine["cuda"]["gpus"])
    std::printf(
        "roofline: %s peak %.0f GB/s -> at most %.3g audio-s/s at %.0f bytes per audio "
        "second (log-mel, 64 bands)\n",
        g["name"].get<std::string>().c_str(), g["bandwidth_gbs"].get<double>(),
        g["bandwidth_gbs"].get<double>() * 1e9 / bytes_per_audio_s, bytes_per_audio_s);
  if (machine["cuda"]["gpus"].empty())
    std::printf("roofline: no GPU (%s)\n",
                machine["cuda"]["no_gpu_reason"].get<std::string>().c_str());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
