// Speaker-level normalisation (features.speaker_norm): statistics per speaker over every frame of
// that speaker's clips; the level of a speaker's whole session cancels, the differences between
// that speaker's clips stay.
#include "core/features/speaker_norm.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/base/error.h"
#include "core/features/feature_extractor.h"
#include "support/model_fixtures.h"

namespace calmspace {
namespace {

FeatureMatrix matrix(std::int64_t frames, int dim, std::vector<float> data) {
  return FeatureMatrix{frames, dim, std::move(data)};
}

TEST(SpeakerNorm, StatisticsPoolEveryFrameOfTheSpeakersClips) {
  // speaker 7: frames (1, 10), (3, 10) and (5, 40); speaker 2: one frame (8, 0).
  const std::vector<FeatureMatrix> clips = {matrix(2, 2, {1, 10, 3, 10}), matrix(1, 2, {8, 0}),
                                            matrix(1, 2, {5, 40})};
  const std::vector<int> speakers = {7, 2, 7};
  const auto stats = speaker_stats(clips, speakers);
  ASSERT_EQ(stats.size(), 2u);
  const FeatureStats& s = stats.at(7);
  EXPECT_EQ(s.frames, 3);
  EXPECT_FLOAT_EQ(s.mean[0], 3.0f);
  EXPECT_FLOAT_EQ(s.mean[1], 20.0f);
  EXPECT_NEAR(s.std[0], std::sqrt(8.0 / 3), 1e-6);  // population std
  EXPECT_NEAR(s.std[1], std::sqrt(200.0), 1e-5);
  EXPECT_FLOAT_EQ(stats.at(2).std[1], static_cast<float>(kMinFeatureStd));  // one frame: the floor

  FeatureMatrix a = clips[0];
  apply_speaker_norm(a, s, Cmvn::Mean);
  EXPECT_EQ(a.data, (std::vector<float>{-2, -10, 0, -10}));  // the clip's own mean is not 0
  FeatureMatrix b = clips[2];
  apply_speaker_norm(b, s, Cmvn::MeanVar);
  EXPECT_NEAR(b.data[0], 2.0 / std::sqrt(8.0 / 3), 1e-6);
  EXPECT_NEAR(b.data[1], 20.0 / std::sqrt(200.0), 1e-6);
  FeatureMatrix c = clips[1];
  apply_speaker_norm(c, stats.at(2), Cmvn::None);
  EXPECT_EQ(c.data, clips[1].data);
}

TEST(SpeakerNorm, ASpeakerWithNoFrameIsRefusedByName) {
  const std::vector<FeatureMatrix> clips = {matrix(0, 2, {})};
  const std::vector<int> speakers = {4};
  try {
    speaker_stats(clips, speakers);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("features.speaker_norm"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("speaker 4"), std::string::npos) << e.what();
  }
}

// Issue 18's normaliser check at the speaker level: every clip of a speaker recorded 20 dB softer
// or louder gives, after that speaker's normalisation, the features of the original clips to 1e-4
// (a gain g adds 2 ln g to every log-mel value of every clip of the session).
TEST(SpeakerNorm, ASpeakersSessionAtPlusMinus20DbGivesTheSameFeatures) {
  FeatureOptions o;
  o.n_mels = 64;
  o.hop_ms = 20;
  const auto extractor = make_feature_extractor(o, 16000);
  const std::vector<std::vector<float>> session = {testing::voice_like(1.5, 16000, 1),
                                                   testing::voice_like(2.0, 16000, 2)};
  const auto normalised = [&](double db) {
    const auto g = static_cast<float>(std::pow(10.0, db / 20));
    std::vector<FeatureMatrix> m;
    for (const auto& x : session) {
      std::vector<float> y(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) y[i] = g * x[i];  // float: no clipping
      m.push_back(extractor->extract(y));
    }
    const std::vector<int> speakers(m.size(), 0);
    const auto stats = speaker_stats(m, speakers);
    for (auto& clip : m) apply_speaker_norm(clip, stats.at(0), Cmvn::Mean);
    return m;
  };
  const auto ref = normalised(0);
  for (const double db : {-20.0, 20.0}) {
    const auto f = normalised(db);
    for (std::size_t k = 0; k < f.size(); ++k) {
      ASSERT_EQ(f[k].frames, ref[k].frames);
      double worst = 0;
      for (std::size_t i = 0; i < f[k].data.size(); ++i)
        worst = std::max(worst, double(std::abs(f[k].data[i] - ref[k].data[i])));
      EXPECT_LT(worst, 1e-4) << db << " dB, clip " << k;
    }
  }
  // The two clips' own means differ after the speaker's normalisation (what an utterance CMN
  // would erase), so the check above is not the utterance CMN in disguise.
  double mean_gap = 0;
  for (int f = 0; f < 64; ++f) {
    double m0 = 0, m1 = 0;
    for (std::int64_t t = 0; t < ref[0].frames; ++t) m0 += ref[0].data[t * 64 + f];
    for (std::int64_t t = 0; t < ref[1].frames; ++t) m1 += ref[1].data[t * 64 + f];
    mean_gap = std::max(mean_gap, std::abs(m0 / ref[0].frames - m1 / ref[1].frames));
  }
  EXPECT_GT(mean_gap, 0.1);
}

TEST(SpeakerNorm, OptionsKeepTheStoredKeyAndFallBackToTheUtterance) {
  FeatureOptions plain;
  FeatureOptions speaker = plain;
  speaker.speaker_norm = Cmvn::Mean;
  // Stored feature sets hold the features before speaker normalisation.
  EXPECT_EQ(feature_set_key(plain), feature_set_key(speaker));
  // The checkpoint's YAML carries the option when set, and files made before it keep theirs.
  EXPECT_EQ(feature_options_yaml(plain).find("speaker_norm"), std::string::npos);
  EXPECT_NE(feature_options_yaml(speaker).find("speaker_norm: mean"), std::string::npos);
  const FeatureOptions one = utterance_features(speaker);
  EXPECT_EQ(one.cmvn, Cmvn::Mean);
  EXPECT_EQ(one.speaker_norm, Cmvn::None);
  EXPECT_EQ(utterance_features(plain).cmvn, Cmvn::None);
  speaker.cmvn = Cmvn::Mean;
  EXPECT_THROW(speaker.validate(16000), InputError);
}

}  // namespace
}  // namespace calmspace
