// The level normaliser of the generalising recipes: per-utterance mean normalisation of log-mel
// features (features.cmvn: mean) removes any constant gain, so a clip and the same clip 20 dB
// softer or louder give the same features (a gain g adds 2 ln g to every log-mel value), with
// the prosody columns too (voicing and F0 do not depend on the level; energy is normalised).
#include <gtest/gtest.h>

#include <cmath>

#include "core/features/feature_extractor.h"
#include "support/model_fixtures.h"

namespace calmspace {
namespace {

TEST(LevelInvariance, CmnFeaturesOfAClipAtPlusMinus20DbAreEqual) {
  const auto x = testing::voice_like(2.0, 16000);
  for (const Cmvn cmvn : {Cmvn::Mean, Cmvn::MeanVar})
    for (const std::vector<std::string>& extra :
         {std::vector<std::string>{}, std::vector<std::string>{"pitch", "energy"}}) {
      FeatureOptions o;
      o.n_mels = 64;
      o.hop_ms = 20;
      o.cmvn = cmvn;
      o.extra = extra;
      const auto extractor = make_feature_extractor(o, 16000);
      const FeatureMatrix ref = extractor->extract(x);
      for (const double db : {-20.0, 20.0}) {
        std::vector<float> y(x.size());
        const auto g = static_cast<float>(std::pow(10.0, db / 20));
        for (std::size_t i = 0; i < x.size(); ++i) y[i] = g * x[i];  // float: no clipping
        const FeatureMatrix f = extractor->extract(y);
        ASSERT_EQ(f.frames, ref.frames);
        double worst = 0;
        for (std::size_t i = 0; i < f.data.size(); ++i)
          worst = std::max(worst, double(std::abs(f.data[i] - ref.data[i])));
        EXPECT_LT(worst, 1e-4) << db << " dB, " << extra.size() << " prosody sets";
      }
    }
  // Without the normaliser the same gain moves every value by 2 ln(10) = 4.6: the check above
  // could fail.
  FeatureOptions plain;
  plain.n_mels = 64;
  const auto extractor = make_feature_extractor(plain, 16000);
  std::vector<float> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = 0.1f * x[i];
  EXPECT_NEAR(extractor->extract(x).data[100] - extractor->extract(y).data[100], 2 * std::log(10.0),
              1e-3);
}

}  // namespace
}  // namespace calmspace
