// Input normalisation statistics against a direct two-pass computation.
#include "core/features/feature_stats.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/test_support.h"

namespace calmspace {
namespace {

TEST(Normalization, MatchesADirectTwoPassComputationOverValidFramesOnly) {
  std::vector<FeatureMatrix> clips;
  const int dim = 3;
  std::uint64_t seed = 1;
  for (std::int64_t t : {7, 1, 12, 30}) {
    FeatureMatrix m;
    m.frames = t;
    m.dim = dim;
    m.data = testing::white_noise(t * dim, 2.0, seed++);
    for (std::int64_t i = 0; i < t; ++i) m.data[i * dim + 1] += -20.0f;  // offset feature
    for (std::int64_t i = 0; i < t; ++i) m.data[i * dim + 2] = 4.0f;     // constant feature
    clips.push_back(std::move(m));
  }
  const FeatureStats s = compute_feature_stats(clips);
  EXPECT_EQ(s.frames, 50);
  for (int f = 0; f < dim; ++f) {
    double sum = 0, n = 0;
    for (const auto& c : clips)
      for (std::int64_t t = 0; t < c.frames; ++t) sum += c.at(t, f), ++n;
    const double mean = sum / n;
    double ss = 0;
    for (const auto& c : clips)
      for (std::int64_t t = 0; t < c.frames; ++t) ss += (c.at(t, f) - mean) * (c.at(t, f) - mean);
    const double sd = std::max(std::sqrt(ss / n), kMinFeatureStd);
    EXPECT_NEAR(s.mean[f], mean, 1e-5 * std::max(1.0, std::abs(mean)));
    EXPECT_NEAR(s.std[f], sd, 1e-5 * sd);
  }
  EXPECT_FLOAT_EQ(s.std[2], static_cast<float>(kMinFeatureStd));  // constant: floored

  // The padded batch gives the same statistics: padding rows are ignored.
  PaddedBatch b;
  b.batch = static_cast<std::int64_t>(clips.size());
  b.max_frames = 30;
  b.dim = dim;
  b.data.assign(static_cast<std::size_t>(b.batch * b.max_frames * dim), 99.0f);
  for (std::int64_t i = 0; i < b.batch; ++i) {
    b.lengths.push_back(clips[i].frames);
    std::copy(clips[i].data.begin(), clips[i].data.end(), b.data.begin() + i * 30 * dim);
  }
  FeatureStatsAccumulator acc(dim);
  acc.add(b);
  const auto s2 = acc.finish();
  EXPECT_EQ(s2.mean, s.mean);
  EXPECT_EQ(s2.std, s.std);
}

}  // namespace
}  // namespace calmspace
