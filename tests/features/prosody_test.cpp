// Prosody columns (core/features/prosody.h): the YIN pitch tracker against tones of known F0 and
// against torchaudio on a committed glide (tests/golden/make_pitch_golden.py), voicing on noise
// and silence, the per-recording normalisation (a voice a fifth higher gives the same log-F0;
// unvoiced frames interpolated), the column layout, and the options' errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "core/base/error.h"
#include "core/base/npy.h"
#include "core/features/cpu_feature_extractor.h"
#include "core/features/prosody.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

constexpr int kRate = 16000;
constexpr int kHop = 160;
constexpr int kWin = 400;

FeatureOptions pitch_options() {
  FeatureOptions o;
  o.extra = {"pitch"};
  return o;
}

// Harmonics 1..20 (amplitude 1/k, none above 7 kHz) of an F0 contour given per sample, in Hz.
std::vector<float> harmonic_voice(const std::vector<double>& f0, double amplitude = 0.2) {
  std::vector<float> x(f0.size());
  double phase = 0.0;
  for (std::size_t i = 0; i < f0.size(); ++i) {
    phase += 2.0 * std::numbers::pi * f0[i] / kRate;
    double v = 0.0;
    for (int k = 1; k <= 20 && k * f0[i] < 7000.0; ++k) v += std::sin(k * phase) / k;
    x[i] = static_cast<float>(amplitude * v);
  }
  return x;
}

// F0 of the interior frames of `x` (frame t centred on t * hop, as the extractor's frames).
std::vector<PitchEstimate> track(const std::vector<float>& x) {
  const PitchTracker tracker(pitch_options(), kRate);
  std::vector<float> scratch;
  std::vector<PitchEstimate> out;
  for (std::size_t centre = kWin / 2; centre + kWin / 2 <= x.size(); centre += kHop)
    out.push_back(tracker.estimate(x.data() + centre - kWin / 2, scratch));
  return out;
}

TEST(PitchTracker, FindsTheF0OfHarmonicTones) {
  for (const double f0 : {85.0, 120.0, 180.0, 250.0, 400.0, 490.0}) {
    const auto estimates = track(harmonic_voice(std::vector<double>(kRate / 2, f0)));
    ASSERT_FALSE(estimates.empty());
    for (std::size_t t = 0; t < estimates.size(); ++t) {
      EXPECT_NEAR(estimates[t].f0_hz / f0, 1.0, 0.005) << f0 << " Hz, frame " << t;
      EXPECT_GT(estimates[t].voicing, 0.9) << f0 << " Hz, frame " << t;
    }
  }
}

TEST(PitchTracker, FollowsAGlide) {
  // 100 -> 300 Hz exponentially over 2 s; each frame's estimate against the F0 at its centre.
  std::vector<double> f0(2 * kRate);
  for (std::size_t i = 0; i < f0.size(); ++i) f0[i] = 100.0 * std::pow(3.0, double(i) / f0.size());
  const auto estimates = track(harmonic_voice(f0));
  for (std::size_t t = 0; t < estimates.size(); ++t) {
    const double truth = f0[kWin / 2 + t * kHop];
    EXPECT_NEAR(estimates[t].f0_hz / truth, 1.0, 0.01) << "frame " << t;
  }
}

TEST(PitchTracker, NoiseAndSilenceAreUnvoiced) {
  const FeatureOptions o = pitch_options();
  const auto noise = track(testing::white_noise(kRate, 0.1, 5));
  const auto unvoiced = std::count_if(noise.begin(), noise.end(), [&](const PitchEstimate& p) {
    return p.voicing < 1.0 - o.voicing_threshold;
  });
  EXPECT_GE(unvoiced, static_cast<std::ptrdiff_t>(0.95 * noise.size())) << noise.size();
  for (const auto& p : track(std::vector<float>(kRate / 4, 0.0f))) {
    EXPECT_EQ(p.voicing, 0.0f);
    EXPECT_TRUE(std::isfinite(p.f0_hz) && p.f0_hz > 0);
  }
}

// The committed glide (110 -> 260 Hz with vibrato, a 0.3 s noise gap): against its true F0 frame
// by frame, and against torchaudio.functional.detect_pitch_frequency by quantiles (that detector
// quantises lags and takes a 30-frame median, so it sits up to 7.5 % from the truth itself;
// quantiles need no frame alignment).
TEST(PitchTracker, MatchesTheGoldenGlide) {
  const NpyArray input = read_npy((testing::golden_dir() / "pitch_glide_input.npy").string());
  const NpyArray truth = read_npy((testing::golden_dir() / "pitch_glide_true_f0.npy").string());
  const NpyArray ref = read_npy((testing::golden_dir() / "pitch_glide_torchaudio.npy").string());
  FeatureOptions o = pitch_options();
  const CpuFeatureExtractor ex(o, kRate);
  const std::vector<float> x(input.data.begin(), input.data.end());
  ASSERT_EQ(ex.num_frames(static_cast<std::int64_t>(x.size())), truth.shape[0]);
  const PitchTracker tracker(o, kRate);
  std::vector<float> scratch;
  std::vector<float> ours;
  int voiced_frames = 0, called_voiced = 0, close = 0, gap_frames = 0, gap_unvoiced = 0;
  for (std::int64_t t = 2; t + 2 < truth.shape[0]; ++t) {
    const auto start = t * kHop - kWin / 2;
    if (start < 0 || start + kWin > static_cast<std::int64_t>(x.size())) continue;
    const PitchEstimate p = tracker.estimate(x.data() + start, scratch);
    const bool voiced = p.voicing >= 1.0 - o.voicing_threshold;
    // Frames within 3 of a voicing change straddle it.
    bool steady = true;
    for (std::int64_t u = t - 3; u <= t + 3; ++u)
      if (u >= 0 && u < truth.shape[0] && (truth.data[u] > 0) != (truth.data[t] > 0))
        steady = false;
    if (!steady) continue;
    if (truth.data[t] > 0) {
      ++voiced_frames;
      called_voiced += voiced;
      close += std::abs(p.f0_hz / truth.data[t] - 1.0) < 0.02;
      if (voiced) ours.push_back(p.f0_hz);
    } else {
      ++gap_frames;
      gap_unvoiced += !voiced;
    }
  }
  ASSERT_GT(voiced_frames, 150);
  ASSERT_GT(gap_frames, 20);
  EXPECT_GE(close, 0.98 * voiced_frames) << "of " << voiced_frames << " voiced frames";
  EXPECT_GE(called_voiced, 0.98 * voiced_frames);
  EXPECT_GE(gap_unvoiced, 0.9 * gap_frames) << "of " << gap_frames << " gap frames";
  const auto quantile = [](std::vector<float> v, double q) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(q * (v.size() - 1))];
  };
  for (const double q : {0.1, 0.5, 0.9})
    EXPECT_NEAR(quantile(ours, q) / quantile(ref.data, q), 1.0, 0.10) << "quantile " << q;
}

// Columns [spectral | voicing, log_f0 | log_energy], then deltas of all of them.
TEST(Prosody, ColumnsFollowTheSpectralOnes) {
  FeatureOptions o;
  o.n_mels = 40;
  o.extra = {"energy", "pitch"};
  o.deltas = 1;
  EXPECT_EQ(o.base_dim(kRate), 43);
  EXPECT_EQ(o.feature_dim(kRate), 86);
  const ProsodyColumns c = ProsodyColumns::of(o, kRate);
  EXPECT_EQ(c.pitch, 40);
  EXPECT_EQ(c.energy, 42);
  o.extra = {"energy"};
  EXPECT_EQ(ProsodyColumns::of(o, kRate).energy, 40);
  EXPECT_EQ(ProsodyColumns::of(o, kRate).pitch, -1);
  EXPECT_NE(feature_set_key(o), feature_set_key(FeatureOptions{}));
}

// A voice and the same voice a fifth higher (F0 x 1.5) and 20 dB softer: after the per-recording
// normalisation their log-F0 columns agree, so the register of a speaker cancels. (Their energy
// columns differ by up to 0.15: a 25 ms frame holds a different fraction of a period at another
// F0. The level alone cancels exactly: LevelInvariance checks it.)
TEST(Prosody, AHigherSofterVoiceGivesTheSameLogF0Column) {
  std::vector<double> contour(kRate + kRate / 2);
  for (std::size_t i = 0; i < contour.size(); ++i)
    contour[i] = 140.0 * (1.0 + 0.25 * std::sin(2.0 * std::numbers::pi * 1.3 * i / kRate));
  std::vector<double> higher = contour;
  for (double& f : higher) f *= 1.5;
  FeatureOptions o;
  o.extra = {"pitch", "energy"};
  CpuFeatureExtractor ex(o, kRate);
  const FeatureMatrix a = ex.extract(harmonic_voice(contour, 0.2));
  const FeatureMatrix b = ex.extract(harmonic_voice(higher, 0.02));
  ASSERT_EQ(a.frames, b.frames);
  const ProsodyColumns c = ProsodyColumns::of(o, kRate);
  double worst_f0 = 0, spread = 0;
  for (std::int64_t t = 3; t + 3 < a.frames; ++t) {
    const auto at = [&](const FeatureMatrix& m, int col) { return m.data[t * m.dim + col]; };
    worst_f0 = std::max(worst_f0, double(std::abs(at(a, c.pitch + 1) - at(b, c.pitch + 1))));
    spread = std::max(spread, double(std::abs(at(a, c.pitch + 1))));
  }
  EXPECT_LT(worst_f0, 0.01);  // ln units: 1 % in F0
  EXPECT_GT(spread, 0.15);    // the contour itself is there (+-25 %: ln 1.25 = 0.22)
}

// normalise_prosody on hand-made rows: voiced mean removed, unvoiced frames interpolated between
// their voiced neighbours and held beyond the first and last, energy mean removed.
TEST(Prosody, NormalisationInterpolatesUnvoicedFrames) {
  // rows: [voicing, ln f0, energy]
  std::vector<float> rows = {
      0.1f, 9.0f, 1.0f,  // unvoiced: takes the first voiced value
      0.9f, 5.0f, 2.0f,  // voiced
      0.2f, 7.0f, 3.0f,  // unvoiced: 1/3 of the way from 5 to 8
      0.0f, 1.0f, 4.0f,  // unvoiced: 2/3
      0.8f, 8.0f, 5.0f,  // voiced
      0.3f, 2.0f, 9.0f,  // unvoiced: holds 8
  };
  ProsodyColumns c;
  c.pitch = 0;
  c.energy = 2;
  c.voicing_threshold = 0.25;
  normalise_prosody(rows.data(), 6, 3, c);
  const float mean = 6.5f;
  const std::vector<float> f0 = {5 - mean, 5 - mean, 6 - mean, 7 - mean, 8 - mean, 8 - mean};
  for (int t = 0; t < 6; ++t) {
    EXPECT_NEAR(rows[t * 3 + 1], f0[t], 1e-6) << t;
    EXPECT_FLOAT_EQ(rows[t * 3 + 2], float(std::vector<int>{1, 2, 3, 4, 5, 9}[t]) - 4.0f) << t;
  }
  EXPECT_EQ(rows[0], 0.1f);  // voicing untouched
  // No voiced frame: the log-F0 column is 0.
  std::vector<float> silent = {0.0f, 4.0f, 0.0f, 0.1f, 5.0f, 0.0f};
  normalise_prosody(silent.data(), 2, 3, c);
  EXPECT_EQ(silent[1], 0.0f);
  EXPECT_EQ(silent[4], 0.0f);
}

TEST(Prosody, OptionsThatCannotWorkAreRefusedByName) {
  const auto message = [](const FeatureOptions& o) {
    try {
      o.validate(kRate);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  FeatureOptions o;
  o.extra = {"loudness"};
  EXPECT_NE(message(o).find("features.extra"), std::string::npos) << message(o);
  o.extra = {"pitch", "pitch"};
  EXPECT_NE(message(o).find("twice"), std::string::npos) << message(o);
  o.extra = {"pitch"};
  o.f0_min = 50;  // a 320-sample lag in a 400-sample window
  EXPECT_NE(message(o).find("features.f0_min"), std::string::npos) << message(o);
  o.win_ms = 40;  // 640 samples: room for it
  EXPECT_EQ(message(o), "accepted");
  o.f0_max = 40;
  EXPECT_NE(message(o).find("features.f0_max"), std::string::npos) << message(o);
  o.f0_max = 500;
  o.voicing_threshold = 1.5;
  EXPECT_NE(message(o).find("features.voicing_threshold"), std::string::npos) << message(o);
}

}  // namespace
}  // namespace calmspace
