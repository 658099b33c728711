// Mixup (core/train/mixup.h): the draws (a permutation, lambda in [0.5, 1], Beta-distributed,
// keyed by seed, epoch and batch), the mixing of two clips of other lengths, and batches that
// are the same whichever rows a data-parallel rank holds.
#include "core/train/mixup.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "core/base/rng.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

TEST(Mixup, DrawsAPermutationAndFoldedWeightsKeyedBySeedEpochAndBatch) {
  const MixupDraw a = draw_mixup(32, 0.4, 7, 3, 5);
  std::vector<std::size_t> sorted = a.partner;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::size_t> all(32);
  std::iota(all.begin(), all.end(), std::size_t{0});
  EXPECT_EQ(sorted, all);
  for (float l : a.lambda) {
    EXPECT_GE(l, 0.5f);
    EXPECT_LE(l, 1.0f);
  }
  const MixupDraw same = draw_mixup(32, 0.4, 7, 3, 5);
  EXPECT_EQ(same.partner, a.partner);
  EXPECT_EQ(same.lambda, a.lambda);
  for (const MixupDraw& other :
       {draw_mixup(32, 0.4, 8, 3, 5), draw_mixup(32, 0.4, 7, 4, 5), draw_mixup(32, 0.4, 7, 3, 6)})
    EXPECT_NE(other.lambda, a.lambda);
}

// The draws are the same on every compiler and standard library: Rng's Gamma fixes the order
// of its draws (values from this build, GCC 12; a compiler that ordered them otherwise differs).
TEST(Mixup, DrawsArePinnedAcrossBuilds) {
  const MixupDraw d = draw_mixup(6, 0.4, 1, 0, 0);
  const std::vector<float> want = {0.992734313f, 0.870439291f, 0.994863272f,
                                   0.9100191f,   0.607414484f, 0.817555189f};
  ASSERT_EQ(d.lambda.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_FLOAT_EQ(d.lambda[i], want[i]) << i;
}

// Beta(a, a) has mean 1/2 and variance 1 / (4 (2a + 1)); Beta(a, b) mean a / (a + b). 20,000
// seeded draws: the standard error of the mean is below 0.004, of the variance below 0.002.
TEST(Mixup, BetaDrawsHaveTheirDistributionsMoments) {
  for (const auto& [a, b] : {std::pair{0.2, 0.2}, {0.4, 0.4}, {1.0, 1.0}, {2.0, 5.0}}) {
    SCOPED_TRACE(cat("Beta(", a, ", ", b, ")"));
    Rng rng(99, RngStream::Mixup, 0, 0);
    const int n = 20000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; ++i) {
      const double x = rng.beta(a, b);
      ASSERT_GE(x, 0.0);
      ASSERT_LE(x, 1.0);
      sum += x;
      sum2 += x * x;
    }
    const double mean = sum / n, var = sum2 / n - mean * mean;
    const double want_mean = a / (a + b), want_var = a * b / ((a + b) * (a + b) * (a + b + 1));
    EXPECT_NEAR(mean, want_mean, 0.012);
    EXPECT_NEAR(var, want_var, 0.006);
  }
}

TEST(Mixup, APartnerMixesOverTheClipsFramesRepeatingWhenShorter) {
  FeatureMatrix a{4, 2, {1, 2, 3, 4, 5, 6, 7, 8}};
  FeatureMatrix b{3, 2, {10, 20, 30, 40, 50, 60}};
  const FeatureMatrix m = mix_features(a, b, 0.75f);
  ASSERT_EQ(m.frames, 4);
  ASSERT_EQ(m.dim, 2);
  // Frame 3 takes the partner's frame 0 again.
  const std::vector<float> want = {0.75f * 1 + 0.25f * 10, 0.75f * 2 + 0.25f * 20,
                                   0.75f * 3 + 0.25f * 30, 0.75f * 4 + 0.25f * 40,
                                   0.75f * 5 + 0.25f * 50, 0.75f * 6 + 0.25f * 60,
                                   0.75f * 7 + 0.25f * 10, 0.75f * 8 + 0.25f * 20};
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_FLOAT_EQ(m.data[i], want[i]) << i;
  EXPECT_EQ(mix_features(b, a, 0.5f).frames, 3);  // a longer partner is cut to the clip
  EXPECT_THROW(mix_features(a, FeatureMatrix{2, 3, std::vector<float>(6)}, 0.5f), Error);
}

// A batch split between ranks: every rank's rows equal the same rows of the whole batch, with
// their partners' labels and weights, though a partner may be another rank's row.
TEST(Mixup, ARanksRowsEqualTheSameRowsOfTheWholeBatch) {
  testing::ScratchDir dir;
  const std::string path = (dir.path() / "tones.h5").string();
  testing::write_tone_dataset(path);
  const DatasetFile data(path);
  Config config;
  config.features.n_mels = 16;
  config.train.num_threads = 1;
  config.augment.time_masks = 1;
  std::vector<std::size_t> clips(data.clips().size());
  std::iota(clips.begin(), clips.end(), std::size_t{0});
  ClipSource source(data, config, clips, /*augment=*/true);
  const std::vector<std::size_t> positions = {4, 9, 17, 30, 2, 41};
  const MixupDraw draw = draw_mixup(positions.size(), 0.4, 3, 1, 2);
  const Batch whole = mixup_batch(source, positions, 0, 6, draw, 1);
  ASSERT_EQ(whole.labels.size(), 6u);
  for (std::size_t r = 0; r < 6; ++r) {
    EXPECT_EQ(whole.members[r], positions[r]);
    EXPECT_EQ(whole.labels[r], source.labels()[positions[r]]);
    EXPECT_EQ(whole.partner_labels[r], source.labels()[positions[draw.partner[r]]]);
    EXPECT_EQ(whole.mix_lambda[r], draw.lambda[r]);
  }
  // Row 0 by hand: the clip's and its partner's features, mixed.
  const auto f =
      source.features(std::vector<std::size_t>{positions[0], positions[draw.partner[0]]}, 1);
  const FeatureMatrix row0 = mix_features(f[0], f[1], draw.lambda[0]);
  for (std::int64_t t = 0; t < row0.frames; ++t)
    for (std::int64_t k = 0; k < row0.dim; ++k)
      ASSERT_EQ(whole.x.at(0, t, k), row0.at(t, k)) << t << "," << k;
  for (const auto& [first, end] : {std::pair<std::size_t, std::size_t>{0, 2}, {2, 5}, {5, 6}}) {
    const Batch part = mixup_batch(source, positions, first, end, draw, 1);
    ASSERT_EQ(part.labels.size(), end - first);
    for (std::size_t r = first; r < end; ++r) {
      const std::size_t i = r - first;
      EXPECT_EQ(part.partner_labels[i], whole.partner_labels[r]);
      EXPECT_EQ(part.mix_lambda[i], whole.mix_lambda[r]);
      ASSERT_EQ(part.x.lengths[i], whole.x.lengths[r]);
      for (std::int64_t t = 0; t < part.x.lengths[i]; ++t)
        for (std::int64_t k = 0; k < part.x.dim; ++k)
          ASSERT_EQ(part.x.at(i, t, k), whole.x.at(r, t, k)) << r << "," << t << "," << k;
    }
  }
}

}  // namespace
}  // namespace calmspace
