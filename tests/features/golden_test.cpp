// CPU features against torchaudio 0.13 references computed in float64 (tests/golden/make_golden.py,
// described in tests/golden/README.md).
//
// Tolerance: |a - b| <= 1e-4 + 1e-4 |b| on every log-mel / MFCC value. Our pipeline runs in float32
// (FFT, power, mel); the golden inputs put energy in every band, so float32 rounding moves a log
// value by ~1e-6, two orders below the bound.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/audio/decode.h"
#include "core/base/npy.h"
#include "core/features/feature_extractor.h"
#include "features/feature_test_util.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

constexpr double kAtol = 1e-4;
constexpr double kRtol = 1e-4;
constexpr int kRate = 16000;

// The FeatureOptions equivalent of each variant in make_golden.py.
FeatureOptions variant_options(const std::string& variant) {
  FeatureOptions o;  // logmel: the defaults (MelSpectrogram n_fft 512, win 400, hop 160, 64 htk)
  if (variant == "logmel_slaney") {
    o.f_min = 20.0;
    o.f_max = 7600.0;
    o.window = WindowKind::Hamming;
    o.spectrum = SpectrumKind::Magnitude;
    o.mel_scale = MelScale::Slaney;
    o.mel_norm = MelNorm::Slaney;
  } else if (variant == "logmel_snip") {
    o.n_fft = 400;
    o.center = false;
    o.window = WindowKind::Povey;
    o.preemphasis = 0.97;
  } else if (variant == "mfcc" || variant == "mfcc_lifter_cmvn") {
    o.kind = FeatureKind::Mfcc;
    o.n_mels = 40;
    o.n_mfcc = 13;
    o.deltas = 2;
    o.delta_window = 2;
    if (variant == "mfcc_lifter_cmvn") {
      o.lifter = 22.0;
      o.cmvn = Cmvn::MeanVar;
    }
  }
  return o;
}

NpyArray golden(const std::string& name) {
  return read_npy((testing::golden_dir() / (name + ".npy")).string());
}

struct Case {
  std::string signal;
  std::string variant;
};

class GoldenTest : public ::testing::TestWithParam<Case> {};

TEST_P(GoldenTest, MatchesTorchaudioFloat64) {
  const Case& c = GetParam();
  const NpyArray input = golden(c.signal + "_input");
  ASSERT_EQ(input.shape.size(), 1u);
  auto extractor = make_cpu_feature_extractor(variant_options(c.variant), kRate);
  const FeatureMatrix out = extractor->extract(input.data);
  const auto result =
      testing::matches_golden(out, golden(c.signal + "_" + c.variant), kAtol, kRtol);
  RecordProperty("comparison", result.message());
  EXPECT_TRUE(result);
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const char* s : {"sine_noise", "chirp_noise", "voiced"})
    for (const char* v : {"logmel", "logmel_slaney", "logmel_snip", "mfcc", "mfcc_lifter_cmvn"})
      cases.push_back({s, v});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Signals, GoldenTest, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<Case>& p) {
                           return p.param.signal + "_" + p.param.variant;
                         });

TEST(GoldenRealClip, RavdessLogMelMatchesTorchaudio) {
  if (!testing::have_corpus("ravdess"))
    GTEST_SKIP() << "corpus absent: " << (testing::corpora_dir() / "ravdess").string();
  const Audio audio =
      load_audio((testing::corpora_dir() / "ravdess/Actor_01/03-01-05-01-01-01-01.flac").string(),
                 AudioOptions{});
  ASSERT_EQ(audio.source_rate, kRate);  // no resampling: the golden was made from the raw samples
  auto extractor = make_cpu_feature_extractor(FeatureOptions{}, kRate);
  const FeatureMatrix out = extractor->extract(audio.samples);
  const auto result =
      testing::matches_golden(out, golden("ravdess_03-01-05-01-01-01-01_logmel"), kAtol, kRtol);
  RecordProperty("comparison", result.message());
  EXPECT_TRUE(result);
}

}  // namespace
}  // namespace calmspace
