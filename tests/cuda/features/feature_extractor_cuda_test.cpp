// CUDA features against the CPU reference (label gpu; every test that needs a device skips with
// the runtime's reason when none is present).
//
// Tolerance, per value: |gpu - cpu| <= 1e-4 |cpu| + 1e-4 + fft_allowance.
// Both backends run the same float32 arithmetic stage by stage (same window, mel and DCT
// matrices, same operation order, no FMA contraction) except the FFT: cuFFT and FFTW round
// differently. A float32 FFT's error on a bin's magnitude is absolute, about eps * sqrt(frame
// energy) (Parseval), so a log value moves by that error relative to the bin's (or band's) own
// size: negligible for bands that hold energy, large for near-empty bins (spectral leakage floors
// of tones, the periodic frames of clips of 1-7 samples). fft_allowance propagates
// |d|X_k|| <= kFftError * sqrt(E_frame) through log, mel, DCT, deltas and CMVN (see below),
// with E_frame from the CPU's own power spectrum. kFftError = 1e-6 is 3x the largest value
// measured between two float32 FFTs (torch.stft float32 vs CalmSpace/FFTW on 3 RAVDESS clips:
// max |d log P| = 6.2e-7 * sqrt(E/P), i.e. |d|X|| <= 3.1e-7 sqrt(E)); on the same clips the
// log-mel / MFCC+deltas / MFCC+CMVN differences beyond 1e-4 |cpu| were at most 7.6e-6 / 3.1e-5 /
// 1.3e-5, under the 1e-4 absolute floor.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "core/audio/decode.h"
#include "core/features/dct.h"
#include "core/features/feature_extractor.h"
#include "core/features/mel_filterbank.h"
#include "cuda/common/gpu_memory.h"
#include "cuda/common/runtime.h"
#include "cuda/features/feature_extractor_cuda.h"
#include "support/parity.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

constexpr int kRate = 16000;
constexpr double kRtol = 1e-4;
constexpr double kAtol = 1e-4;
constexpr double kFftError = 1e-6;

#define SKIP_WITHOUT_GPU()                                         \
  do {                                                             \
    const auto report_ = cuda::query_runtime();                    \
    if (!report_.has_gpu()) GTEST_SKIP() << report_.no_gpu_reason; \
  } while (0)

// The shared feature cases of the parity harness (support/parity.h): every kind, spectrum,
// scale, norm, window, framing mode, conditioning, delta and CMVN option.
FeatureOptions variant(const std::string& name) {
  return testing::parity::feature_case(name);
}

std::vector<std::string> variant_names() {
  std::vector<std::string> names;
  for (const auto& c : testing::parity::feature_cases()) names.push_back(c.name);
  return names;
}

// Clip lengths around every boundary: empty, shorter than the reflect padding or one window, one
// hop, one window, one FFT, and longer clips.
const std::vector<std::int64_t> kLengths = {0,   1,   2,   3,   7,    159,  160,  161,   255,  256,
                                            257, 319, 320, 321, 399,  400,  401,  511,   512,  513,
                                            559, 560, 561, 0,   1000, 4095, 8000, 16001, 48000};

// Deterministic, varied signals: noise, noisy tones, a chirp, quiet noise and digital silence.
std::vector<std::vector<float>> ragged_clips() {
  std::vector<std::vector<float>> clips;
  for (std::size_t i = 0; i < kLengths.size(); ++i) {
    const std::int64_t n = kLengths[i];
    std::vector<float> x = testing::white_noise(n, i % 5 == 4 ? 1e-4 : 0.05, 100 + i);
    for (std::int64_t j = 0; j < n; ++j) {
      const double s = double(j) / kRate;
      if (i % 3 == 1) x[j] += static_cast<float>(0.3 * std::sin(2 * M_PI * (200 + 37 * i) * s));
      if (i % 3 == 2) x[j] += static_cast<float>(0.2 * std::sin(2 * M_PI * (100 + 2000 * s) * s));
    }
    if (i == 24) std::fill(x.begin(), x.end(), 0.0f);  // 1000 samples of digital silence
    clips.push_back(std::move(x));
  }
  return clips;
}

std::vector<std::span<const float>> spans_of(const std::vector<std::vector<float>>& clips) {
  return {clips.begin(), clips.end()};
}

// Per-value allowance for FFT rounding, laid out like `cpu` (see the header comment): with
// d = kFftError sqrt(E_frame), a log power bin moves by <= 2d/|X|, a log magnitude bin by d/|X|,
// a log-mel band of power energy M and filter weight sum W by 2d sqrt(W/M) (Cauchy-Schwarz), of
// magnitudes by dW/M; cepstra by sum_m |DCT_km| a_m; deltas by their regression weights; CMVN
// scales by 1/std and adds the mean allowance.
std::vector<double> fft_allowance(const FeatureOptions& o,
                                  std::span<const std::span<const float>> clips,
                                  const PaddedBatch& cpu) {
  const int base = o.base_dim(kRate);
  FeatureOptions spec_o = o;
  spec_o.kind = FeatureKind::Spectrogram;
  spec_o.spectrum = SpectrumKind::Power;
  spec_o.deltas = 0;
  spec_o.cmvn = Cmvn::None;
  spec_o.log_floor = 1e-30;
  const PaddedBatch spec = make_cpu_feature_extractor(spec_o, kRate)->extract_batch(clips);
  FeatureOptions plain_o = o;  // base features before deltas and CMVN
  plain_o.deltas = 0;
  plain_o.cmvn = Cmvn::None;
  if (o.kind == FeatureKind::Mfcc) plain_o.kind = FeatureKind::LogMel;
  const PaddedBatch plain = make_cpu_feature_extractor(plain_o, kRate)->extract_batch(clips);
  FeatureOptions raw_o = o;  // every column before CMVN
  raw_o.cmvn = Cmvn::None;
  const PaddedBatch raw = make_cpu_feature_extractor(raw_o, kRate)->extract_batch(clips);

  std::vector<double> weight_sum;
  if (o.kind != FeatureKind::Spectrogram) {
    const MelFilterbank mel(o, kRate);
    for (int m = 0; m < mel.num_mels(); ++m) {
      double w = 0;
      for (int k = mel.begin(m); k < mel.end(m); ++k) w += mel.weight(m, k);
      weight_sum.push_back(w);
    }
  }
  std::vector<double> dct;
  if (o.kind == FeatureKind::Mfcc) {
    dct = dct_matrix(o.n_mfcc, o.n_mels);
    const auto lift = lifter_coefficients(o.n_mfcc, o.lifter);
    for (int k = 0; k < o.n_mfcc; ++k)
      for (int m = 0; m < o.n_mels; ++m)
        dct[k * o.n_mels + m] = std::abs(dct[k * o.n_mels + m] * lift[k]);
  }
  const bool magnitude = o.spectrum == SpectrumKind::Magnitude;
  const auto cap = [](double a) { return std::min(a, 1e30); };

  std::vector<double> allow(cpu.data.size(), 0.0);
  const auto at = [&](std::int64_t b, std::int64_t t, std::int64_t f) -> double& {
    return allow[static_cast<std::size_t>((b * cpu.max_frames + t) * cpu.dim + f)];
  };
  for (std::int64_t b = 0; b < cpu.batch; ++b) {
    const std::int64_t frames = cpu.lengths[b];
    for (std::int64_t t = 0; t < frames; ++t) {
      double energy = 0;
      for (std::int64_t k = 0; k < spec.dim; ++k) energy += std::exp(double(spec.at(b, t, k)));
      const double d = kFftError * std::sqrt(energy);
      std::vector<double> band(static_cast<std::size_t>(plain.dim));
      for (std::int64_t j = 0; j < plain.dim; ++j) {
        const double v = std::exp(double(plain.at(b, t, j)));  // |X|^p or mel energy
        if (o.kind == FeatureKind::Spectrogram)
          band[j] = magnitude ? d / v : 2 * d / std::sqrt(v);
        else
          band[j] = magnitude ? d * weight_sum[j] / v : 2 * d * std::sqrt(weight_sum[j] / v);
        band[j] = cap(band[j]);
      }
      for (int k = 0; k < base; ++k) {
        double a = 0;
        if (o.kind == FeatureKind::Mfcc)
          for (int m = 0; m < o.n_mels; ++m) a += dct[k * o.n_mels + m] * band[m];
        else
          a = band[k];
        at(b, t, k) = cap(a);
      }
    }
    const double denom =
        o.delta_window * (o.delta_window + 1.0) * (2.0 * o.delta_window + 1.0) / 3.0;
    for (int order = 1; order <= o.deltas; ++order)
      for (std::int64_t t = 0; t < frames; ++t)
        for (int k = 0; k < base; ++k) {
          double a = 0;
          for (int n = 1; n <= o.delta_window; ++n)
            a += n * (at(b, std::min(t + n, frames - 1), (order - 1) * base + k) +
                      at(b, std::max<std::int64_t>(t - n, 0), (order - 1) * base + k));
          at(b, t, order * base + k) = cap(a / denom);
        }
    if (o.cmvn != Cmvn::None && frames > 0)
      for (std::int64_t f = 0; f < cpu.dim; ++f) {
        double mean_allow = 0, mean = 0, var = 0;
        for (std::int64_t t = 0; t < frames; ++t) {
          mean_allow += at(b, t, f) / frames;
          mean += double(raw.at(b, t, f)) / frames;
        }
        for (std::int64_t t = 0; t < frames; ++t)
          var += std::pow(raw.at(b, t, f) - mean, 2) / frames;
        const double scale = o.cmvn == Cmvn::MeanVar ? 1.0 / std::sqrt(var + 1e-10) : 1.0;
        for (std::int64_t t = 0; t < frames; ++t)
          at(b, t, f) = cap((at(b, t, f) + mean_allow) * scale);
      }
  }
  return allow;
}

// Shapes and lengths equal; valid values within tolerance; GPU padding rows exactly zero. The
// message names the worst value.
::testing::AssertionResult matches_cpu(const PaddedBatch& gpu, const PaddedBatch& cpu,
                                       const std::vector<double>& allowance) {
  if (gpu.batch != cpu.batch || gpu.max_frames != cpu.max_frames || gpu.dim != cpu.dim)
    return ::testing::AssertionFailure()
           << "shape (" << gpu.batch << ", " << gpu.max_frames << ", " << gpu.dim << ") vs cpu ("
           << cpu.batch << ", " << cpu.max_frames << ", " << cpu.dim << ")";
  if (gpu.lengths != cpu.lengths) return ::testing::AssertionFailure() << "lengths differ";
  if (gpu.data.size() != cpu.data.size()) return ::testing::AssertionFailure() << "data size";
  std::int64_t failures = 0, worst = -1, loosened = 0;
  double worst_ratio = 0, max_abs = 0;
  for (std::int64_t b = 0; b < cpu.batch; ++b)
    for (std::int64_t t = 0; t < cpu.max_frames; ++t)
      for (std::int64_t f = 0; f < cpu.dim; ++f) {
        const auto i = static_cast<std::size_t>((b * cpu.max_frames + t) * cpu.dim + f);
        const double g = gpu.data[i], c = cpu.data[i];
        if (t >= cpu.lengths[b]) {
          if (g != 0.0) {
            ++failures;
            worst = static_cast<std::int64_t>(i);
            worst_ratio = std::numeric_limits<double>::infinity();
          }
          continue;
        }
        const double base_tol = kRtol * std::abs(c) + kAtol;
        const double err = std::abs(g - c);
        max_abs = std::max(max_abs, err);
        if (err > base_tol) ++loosened;
        const double ratio = err / (base_tol + allowance[i]);
        if (!(ratio <= 1.0)) ++failures;
        if (!(ratio <= worst_ratio)) {
          worst_ratio = ratio;
          worst = static_cast<std::int64_t>(i);
        }
      }
  const auto where = [&](std::int64_t i) {
    const std::int64_t f = i % cpu.dim, r = i / cpu.dim;
    return "(b=" + std::to_string(r / cpu.max_frames) +
           ", t=" + std::to_string(r % cpu.max_frames) + ", f=" + std::to_string(f) + "): gpu " +
           std::to_string(gpu.data[i]) + ", cpu " + std::to_string(cpu.data[i]) +
           ", fft allowance " + std::to_string(allowance[static_cast<std::size_t>(i)]);
  };
  if (failures == 0)
    return ::testing::AssertionSuccess()
           << "max |gpu-cpu| = " << max_abs << "; " << loosened << " of " << cpu.data.size()
           << " values needed the FFT allowance; worst ratio " << worst_ratio
           << (worst >= 0 ? " at " + where(worst) : std::string());
  return ::testing::AssertionFailure()
         << failures << " values outside |gpu-cpu| <= " << kRtol << "|cpu| + " << kAtol
         << " + allowance (or non-zero padding); worst " << where(worst)
         << "; max |gpu-cpu| = " << max_abs;
}

class CudaVariant : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaVariant, RaggedBatchOfManyLengthsMatchesTheCpu) {
  SKIP_WITHOUT_GPU();
  const FeatureOptions o = variant(GetParam());
  const auto clips = ragged_clips();
  const auto spans = spans_of(clips);
  const PaddedBatch cpu = make_cpu_feature_extractor(o, kRate)->extract_batch(spans);
  auto gpu_extractor = make_cuda_feature_extractor(o, kRate);
  EXPECT_EQ(gpu_extractor->backend_name(), "cuda");
  EXPECT_EQ(gpu_extractor->feature_dim(), cpu.dim);
  const PaddedBatch gpu = gpu_extractor->extract_batch(spans);
  const auto result = matches_cpu(gpu, cpu, fft_allowance(o, spans, cpu));
  RecordProperty("comparison", result.message());
  EXPECT_TRUE(result);
  // A second call reuses the workspace and must give the same bits.
  const PaddedBatch again = gpu_extractor->extract_batch(spans);
  EXPECT_EQ(0, std::memcmp(again.data.data(), gpu.data.data(), gpu.data.size() * sizeof(float)));
}

INSTANTIATE_TEST_SUITE_P(Variants, CudaVariant, ::testing::ValuesIn(variant_names()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

// A clip's rows do not depend on its neighbours or position: every FFT runs through one plan of
// one batch size, and every other stage reads only the clip's own samples and frames.
TEST(CudaFeatures, ClipAloneEqualsTheSameClipInARaggedBatchBitForBit) {
  SKIP_WITHOUT_GPU();
  for (const char* name : {"mfcc_lifter_cmvn", "logmel_dither_cmvn_mean", "spectrogram"}) {
    const FeatureOptions o = variant(name);
    auto ex = make_cuda_feature_extractor(o, kRate);
    const auto clips = ragged_clips();
    const PaddedBatch batch = ex->extract_batch(spans_of(clips));
    for (std::size_t b = 0; b < clips.size(); ++b) {
      const FeatureMatrix alone = ex->extract(clips[b]);
      ASSERT_EQ(alone.frames, batch.lengths[b]) << name << " clip " << b;
      ASSERT_EQ(0, std::memcmp(batch.clip(static_cast<std::int64_t>(b)).data(), alone.data.data(),
                               alone.data.size() * sizeof(float)))
          << name << " clip " << b << " (" << clips[b].size() << " samples)";
    }
  }
}

// Audio already on the GPU, at scattered offsets with NaN between the clips, into an output with
// extra bucket padding pre-filled with NaN: identical to the host entry point, padding zero,
// lengths written, nothing outside a clip read.
TEST(CudaFeatures, DeviceEntryPointEqualsTheHostEntryPoint) {
  SKIP_WITHOUT_GPU();
  const FeatureOptions o = variant("mfcc_lifter_cmvn");
  auto ex = CudaFeatureExtractor::create(o, kRate);
  const auto clips = ragged_clips();
  const PaddedBatch host = ex->extract_batch(spans_of(clips));

  std::vector<float> buffer(64, std::numeric_limits<float>::quiet_NaN());
  std::vector<std::int64_t> sizes, offsets;
  for (const auto& clip : clips) {
    offsets.push_back(static_cast<std::int64_t>(buffer.size()));
    sizes.push_back(static_cast<std::int64_t>(clip.size()));
    buffer.insert(buffer.end(), clip.begin(), clip.end());
    buffer.insert(buffer.end(), 37, std::numeric_limits<float>::quiet_NaN());
  }
  // Reverse the clip order in memory relative to the batch order: offsets need not increase.
  std::reverse(sizes.begin(), sizes.end());
  std::reverse(offsets.begin(), offsets.end());
  cuda::GpuBytes samples(buffer.size() * sizeof(float));
  samples.upload(buffer.data(), buffer.size() * sizeof(float));
  const std::int64_t max_frames = host.max_frames + 5;
  const std::size_t out_count = static_cast<std::size_t>(host.batch * max_frames * host.dim);
  cuda::GpuBytes out(out_count * sizeof(float));
  out.fill(0xFF);  // NaN everywhere
  cuda::GpuBytes lengths(static_cast<std::size_t>(host.batch) * sizeof(std::int64_t));
  cuda::GpuStream stream;
  DeviceClips in{samples.as<const float>(), sizes, offsets};
  DeviceFeatures features{out.as<float>(), max_frames, lengths.as<std::int64_t>()};
  ex->extract_device(in, features, stream.get());
  stream.synchronize();

  std::vector<float> got(out_count);
  out.download(got.data(), got.size() * sizeof(float));
  std::vector<std::int64_t> got_lengths(static_cast<std::size_t>(host.batch));
  lengths.download(got_lengths.data(), got_lengths.size() * sizeof(std::int64_t));
  for (std::int64_t b = 0; b < host.batch; ++b) {
    const std::int64_t src = host.batch - 1 - b;  // batch order was reversed
    ASSERT_EQ(got_lengths[b], host.lengths[src]) << b;
    for (std::int64_t t = 0; t < max_frames; ++t)
      for (std::int64_t f = 0; f < host.dim; ++f) {
        const float g = got[static_cast<std::size_t>((b * max_frames + t) * host.dim + f)];
        if (t < host.lengths[src])
          ASSERT_EQ(g, host.at(src, t, f)) << "b=" << b << " t=" << t << " f=" << f;
        else
          ASSERT_EQ(g, 0.0f) << "padding b=" << b << " t=" << t << " f=" << f;
      }
  }

  // Bad calls name the input: a host pointer, too few output rows.
  DeviceClips on_host{buffer.data(), sizes, offsets};
  EXPECT_THROW(ex->extract_device(on_host, features, stream.get()), InputError);
  DeviceFeatures too_short{out.as<float>(), host.max_frames - 1, nullptr};
  EXPECT_THROW(ex->extract_device(in, too_short, stream.get()), InputError);
}

// More packed frames than one workspace chunk (16384 at n_fft 512) and an FFT tail that is not a
// multiple of the cuFFT batch: 44 clips of 6 s = 26444 frames.
TEST(CudaFeatures, BatchLargerThanOneWorkspaceChunkMatchesTheCpu) {
  SKIP_WITHOUT_GPU();
  const FeatureOptions o = variant("logmel");
  std::vector<std::vector<float>> clips;
  for (int i = 0; i < 44; ++i)
    clips.push_back(testing::white_noise(6 * kRate + 7 * i, 0.05, 900 + i));
  const auto spans = spans_of(clips);
  const PaddedBatch cpu = make_cpu_feature_extractor(o, kRate)->extract_batch(spans);
  std::int64_t total = 0;
  for (auto len : cpu.lengths) total += len;
  ASSERT_GT(total, 16384);
  const PaddedBatch gpu = make_cuda_feature_extractor(o, kRate)->extract_batch(spans);
  const auto result = matches_cpu(gpu, cpu, fft_allowance(o, spans, cpu));
  RecordProperty("comparison", result.message());
  EXPECT_TRUE(result);
}

TEST(CudaFeatures, RealSpeechMatchesTheCpu) {
  SKIP_WITHOUT_GPU();
  if (!testing::have_corpus("ravdess"))
    GTEST_SKIP() << "corpus absent: " << (testing::corpora_dir() / "ravdess").string();
  std::vector<std::vector<float>> clips;
  for (const char* path :
       {"Actor_01/03-01-05-01-01-01-01.flac", "Actor_01/03-01-01-01-01-01-01.flac",
        "Actor_01/03-01-08-02-02-02-01.flac", "Actor_02/03-01-03-01-02-01-02.flac",
        "Actor_07/03-01-04-02-01-02-07.flac", "Actor_12/03-01-06-01-02-02-12.flac",
        "Actor_19/03-01-02-02-01-01-19.flac", "Actor_24/03-01-07-02-02-02-24.flac"}) {
    const auto file = testing::corpora_dir() / "ravdess" / path;
    if (!std::filesystem::exists(file)) continue;
    clips.push_back(load_audio(file.string(), AudioOptions{}).samples);
  }
  ASSERT_FALSE(clips.empty());
  const auto spans = spans_of(clips);
  for (const char* name : {"logmel", "logmel_slaney", "mfcc_lifter_cmvn", "spectrogram"}) {
    const FeatureOptions o = variant(name);
    const PaddedBatch cpu = make_cpu_feature_extractor(o, kRate)->extract_batch(spans);
    const PaddedBatch gpu = make_cuda_feature_extractor(o, kRate)->extract_batch(spans);
    const auto result = matches_cpu(gpu, cpu, fft_allowance(o, spans, cpu));
    RecordProperty(std::string("comparison_") + name, result.message());
    EXPECT_TRUE(result) << name;
  }
}

// Runs where there is no GPU: the factory refuses with the runtime's reason, and bad options are
// reported by name before any device is touched.
TEST(CudaFeatures, WithoutAGpuTheFactoryThrowsTheRuntimeReason) {
  const auto report = cuda::query_runtime();
  if (report.has_gpu()) GTEST_SKIP() << "a GPU is present";
  try {
    make_cuda_feature_extractor(FeatureOptions{}, kRate);
    FAIL() << "no exception without a GPU";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(report.no_gpu_reason), std::string::npos) << e.what();
  }
}

TEST(CudaFeatures, BadOptionsAreNamedBeforeTheDeviceIsTouched) {
  FeatureOptions o;
  o.n_mels = 0;
  try {
    make_cuda_feature_extractor(o, kRate);
    FAIL() << "n_mels = 0 accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "features.n_mels");
  }
}

}  // namespace
}  // namespace calmspace
