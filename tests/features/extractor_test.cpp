// Properties of the CPU feature extractor that need no reference values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/features/cpu_feature_extractor.h"
#include "core/features/mel_filterbank.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

constexpr int kRate = 16000;

std::int64_t argmax_row(const FeatureMatrix& m, std::int64_t t) {
  const float* row = m.data.data() + t * m.dim;
  return std::max_element(row, row + m.dim) - row;
}

TEST(CpuFeatures, SinePeaksInItsFftBin) {
  FeatureOptions o;
  o.kind = FeatureKind::Spectrogram;
  auto ex = make_cpu_feature_extractor(o, kRate);
  ASSERT_EQ(ex->feature_dim(), 257);
  for (double freq : {1000.0, 2500.0, 6000.0}) {
    const FeatureMatrix m = ex->extract(testing::sine(freq, 0.5, kRate));
    const auto bin = std::lround(freq * 512 / kRate);  // 1000 Hz -> bin 32
    for (std::int64_t t = 2; t < m.frames - 2; ++t) EXPECT_EQ(argmax_row(m, t), bin) << freq;
  }
}

TEST(CpuFeatures, SinePeaksInTheMelBandWhoseFilterPeaksThere) {
  FeatureOptions o;
  auto ex = make_cpu_feature_extractor(o, kRate);
  const MelFilterbank fb(o, kRate);
  for (double freq : {312.5, 1000.0, 4000.0}) {  // on FFT bins 10, 32, 128
    const int bin = static_cast<int>(std::lround(freq * 512 / kRate));
    int best = 0;
    for (int m = 1; m < fb.num_mels(); ++m)
      if (fb.weight(m, bin) > fb.weight(best, bin)) best = m;
    const FeatureMatrix m = ex->extract(testing::sine(freq, 0.5, kRate));
    for (std::int64_t t = 2; t < m.frames - 2; ++t) EXPECT_EQ(argmax_row(m, t), best) << freq;
  }
}

TEST(CpuFeatures, SilenceGivesExactlyLogOfTheFloor) {
  for (FeatureKind kind : {FeatureKind::LogMel, FeatureKind::Spectrogram}) {
    for (double floor : {1e-10, 1e-5}) {
      FeatureOptions o;
      o.kind = kind;
      o.log_floor = floor;
      auto ex = make_cpu_feature_extractor(o, kRate);
      const FeatureMatrix m = ex->extract(std::vector<float>(8000, 0.0f));
      ASSERT_EQ(m.frames, 51);
      const float expected = static_cast<float>(std::log(floor));
      for (float v : m.data) ASSERT_EQ(v, expected);
    }
  }
}

TEST(CpuFeatures, FrameCountMatchesClosedFormForManyLengthsAndBothModes) {
  for (bool center : {true, false}) {
    for (auto [win_ms, hop_ms] : {std::pair{25.0, 10.0}, {20.0, 5.0}, {32.0, 16.0}}) {
      FeatureOptions o;
      o.center = center;
      o.win_ms = win_ms;
      o.hop_ms = hop_ms;
      o.num_threads = 1;
      CpuFeatureExtractor ex(o, kRate);
      std::vector<std::vector<float>> clips;
      for (std::int64_t n : {0,   1,   2,   3,   7,   159, 160, 161, 255, 256,  257,  319,  320,
                             399, 400, 401, 511, 512, 513, 559, 560, 561, 1000, 4095, 8000, 16001})
        clips.push_back(testing::white_noise(n, 0.1, 42 + n));
      std::vector<std::span<const float>> spans(clips.begin(), clips.end());
      const PaddedBatch batch = ex.extract_batch(spans);
      for (std::size_t i = 0; i < clips.size(); ++i) {
        const auto n = static_cast<std::int64_t>(clips[i].size());
        EXPECT_EQ(batch.lengths[i], o.num_frames(n, kRate))
            << "n=" << n << " center=" << center << " win=" << win_ms << " hop=" << hop_ms;
      }
      for (float v : batch.data) ASSERT_TRUE(std::isfinite(v));
    }
  }
}

// Covers every stage (pre-emphasis, dither, MFCC, deltas, CMVN): a clip's rows do not depend on its
// neighbours, its position or the thread count; padding rows are zero.
TEST(CpuFeatures, ClipAloneEqualsTheSameClipInARaggedBatchBitForBit) {
  FeatureOptions o;
  o.kind = FeatureKind::Mfcc;
  o.deltas = 2;
  o.cmvn = Cmvn::MeanVar;
  o.preemphasis = 0.97;
  o.dither = 1e-3;
  o.dither_seed = 7;
  std::vector<std::vector<float>> clips = {testing::white_noise(8000, 0.1, 1),
                                           testing::sine(440, 0.2, kRate),
                                           testing::white_noise(161, 0.1, 2),
                                           testing::white_noise(1, 0.1, 3),
                                           {},
                                           testing::white_noise(12345, 0.3, 4)};
  std::vector<std::span<const float>> spans(clips.begin(), clips.end());
  for (int threads : {1, 2, 3}) {
    o.num_threads = threads;
    auto ex = make_cpu_feature_extractor(o, kRate);
    const PaddedBatch batch = ex->extract_batch(spans);
    ASSERT_EQ(batch.batch, 6);
    ASSERT_EQ(batch.dim, 39);
    for (std::size_t b = 0; b < clips.size(); ++b) {
      const FeatureMatrix alone = ex->extract(clips[b]);
      ASSERT_EQ(batch.lengths[b], alone.frames);
      ASSERT_TRUE(alone.data.empty() || 0 == std::memcmp(batch.clip(b).data(), alone.data.data(),
                                                         alone.data.size() * sizeof(float)))
          << "clip " << b << " threads " << threads;
      for (std::int64_t t = batch.lengths[b]; t < batch.max_frames; ++t)
        for (std::int64_t f = 0; f < batch.dim; ++f) ASSERT_EQ(batch.at(b, t, f), 0.0f);
    }
  }
}

TEST(CpuFeatures, EmptyBatchAndEmptyClips) {
  auto ex = make_cpu_feature_extractor(FeatureOptions{}, kRate);
  const PaddedBatch none = ex->extract_batch({});
  EXPECT_EQ(none.batch, 0);
  EXPECT_TRUE(none.data.empty());
  const FeatureMatrix empty = ex->extract({});
  EXPECT_EQ(empty.frames, 0);
  EXPECT_EQ(empty.dim, 64);
}

TEST(CpuFeatures, DitherIsReproducibleWithTheSeedAndChangesWithIt) {
  const std::vector<float> clip = testing::sine(440, 0.3, kRate);
  FeatureOptions o;
  o.dither = 0.01;
  o.dither_seed = 11;
  const FeatureMatrix a = make_cpu_feature_extractor(o, kRate)->extract(clip);
  const FeatureMatrix b = make_cpu_feature_extractor(o, kRate)->extract(clip);
  EXPECT_EQ(a.data, b.data);
  o.dither_seed = 12;
  const FeatureMatrix c = make_cpu_feature_extractor(o, kRate)->extract(clip);
  EXPECT_NE(a.data, c.data);
  o.dither = 0.0;
  const FeatureMatrix d = make_cpu_feature_extractor(o, kRate)->extract(clip);
  EXPECT_NE(a.data, d.data);
}

TEST(CpuFeatures, DitherLiftsSilenceAboveTheFloorWithTheExpectedPower) {
  FeatureOptions o;
  o.kind = FeatureKind::Spectrogram;
  o.window = WindowKind::Rectangular;
  o.dither = 0.1;
  const FeatureMatrix m = make_cpu_feature_extractor(o, kRate)->extract(std::vector<float>(16000));
  // White noise of variance s^2 through a rectangular window of 400 samples: E|X_k|^2 = 400 s^2.
  double mean_power = 0;
  std::int64_t count = 0;
  for (std::int64_t t = 2; t < m.frames - 2; ++t)
    for (std::int64_t k = 5; k < 250; ++k, ++count) mean_power += std::exp(m.at(t, k));
  mean_power /= static_cast<double>(count);
  EXPECT_NEAR(mean_power, 400 * 0.01, 0.05 * 400 * 0.01);
}

TEST(CpuFeatures, CmvnGivesZeroMeanAndUnitVariance) {
  FeatureOptions o;
  o.kind = FeatureKind::Mfcc;
  o.deltas = 1;
  o.cmvn = Cmvn::MeanVar;
  const FeatureMatrix m =
      make_cpu_feature_extractor(o, kRate)->extract(testing::white_noise(16000, 0.2, 5));
  for (std::int64_t f = 0; f < m.dim; ++f) {
    double s = 0, s2 = 0;
    for (std::int64_t t = 0; t < m.frames; ++t)
      s += m.at(t, f), s2 += double(m.at(t, f)) * m.at(t, f);
    EXPECT_NEAR(s / m.frames, 0.0, 1e-5) << f;
    EXPECT_NEAR(s2 / m.frames, 1.0, 1e-4) << f;
  }
  o.cmvn = Cmvn::Mean;
  const FeatureMatrix c =
      make_cpu_feature_extractor(o, kRate)->extract(testing::white_noise(16000, 0.2, 5));
  for (std::int64_t f = 0; f < c.dim; ++f) {
    double s = 0;
    for (std::int64_t t = 0; t < c.frames; ++t) s += c.at(t, f);
    EXPECT_NEAR(s / c.frames, 0.0, 1e-4) << f;
  }
}

TEST(CpuFeatures, LogMagnitudeIsHalfTheLogPower) {
  FeatureOptions o;
  o.kind = FeatureKind::Spectrogram;
  const std::vector<float> clip = testing::white_noise(4000, 0.3, 8);
  const FeatureMatrix power = make_cpu_feature_extractor(o, kRate)->extract(clip);
  o.spectrum = SpectrumKind::Magnitude;
  const FeatureMatrix magnitude = make_cpu_feature_extractor(o, kRate)->extract(clip);
  ASSERT_EQ(power.data.size(), magnitude.data.size());
  for (std::size_t i = 0; i < power.data.size(); ++i)
    ASSERT_NEAR(magnitude.data[i], 0.5 * power.data[i], 1e-5 * (1 + std::abs(power.data[i])));
}

TEST(CpuFeatures, ReportsItsBackendAndShape) {
  FeatureOptions o;
  o.kind = FeatureKind::Mfcc;
  o.n_mfcc = 20;
  o.deltas = 2;
  auto ex = make_cpu_feature_extractor(o, 8000);
  EXPECT_EQ(ex->backend_name(), "cpu");
  EXPECT_EQ(ex->sample_rate(), 8000);
  EXPECT_EQ(ex->feature_dim(), 60);
  EXPECT_EQ(ex->options().n_mfcc, 20);
}

}  // namespace
}  // namespace calmspace
