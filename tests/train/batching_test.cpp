// Length-bucketed batching: coverage, bucketing, seeded shuffling, padding.
#include "core/dataset/batching.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "support/test_support.h"

namespace calmspace {
namespace {

std::vector<std::int64_t> random_lengths(std::size_t n, std::uint64_t seed) {
  const auto noise = testing::white_noise(static_cast<std::int64_t>(n), 1.0, seed);
  std::vector<std::int64_t> out;
  for (float v : noise) out.push_back(20 + static_cast<std::int64_t>(std::abs(v) * 100));
  return out;
}

TEST(Batching, EveryClipExactlyOncePerEpochLastPartialBatchKept) {
  const auto frames = random_lengths(103, 1);
  for (int epoch = 0; epoch < 3; ++epoch) {
    const auto plan = bucketed_batches(frames, 8, 42, epoch);
    ASSERT_EQ(plan.size(), 13u);  // 12 full + 1 of 7
    std::multiset<std::size_t> seen;
    int partial = 0;
    for (const auto& b : plan) {
      EXPECT_LE(b.size(), 8u);
      if (b.size() < 8) {
        EXPECT_EQ(b.size(), 7u);
        ++partial;
      }
      seen.insert(b.begin(), b.end());
    }
    EXPECT_EQ(partial, 1);
    ASSERT_EQ(seen.size(), frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(seen.count(i), 1u);
  }
}

TEST(Batching, BucketsAreContiguousRangesOfTheSortedLengths) {
  const auto frames = random_lengths(200, 2);
  auto plan = bucketed_batches(frames, 16, 7, 3);
  // Order the batches by their shortest clip: each batch's longest clip is no longer than the
  // next batch's shortest (the batches cut the sorted order into consecutive pieces).
  auto lo = [&](const std::vector<std::size_t>& b) {
    std::int64_t m = INT64_MAX;
    for (auto p : b) m = std::min(m, frames[p]);
    return m;
  };
  auto hi = [&](const std::vector<std::size_t>& b) {
    std::int64_t m = 0;
    for (auto p : b) m = std::max(m, frames[p]);
    return m;
  };
  std::sort(plan.begin(), plan.end(), [&](const auto& a, const auto& b) { return lo(a) < lo(b); });
  for (std::size_t k = 1; k < plan.size(); ++k) EXPECT_LE(hi(plan[k - 1]), lo(plan[k]));
}

TEST(Batching, ShuffleIsReproducibleWithTheSeedAndDiffersAcrossEpochsAndSeeds) {
  const auto frames = random_lengths(100, 3);
  EXPECT_EQ(bucketed_batches(frames, 10, 5, 0), bucketed_batches(frames, 10, 5, 0));
  EXPECT_NE(bucketed_batches(frames, 10, 5, 0), bucketed_batches(frames, 10, 5, 1));
  EXPECT_NE(bucketed_batches(frames, 10, 5, 0), bucketed_batches(frames, 10, 6, 0));
  // Within-batch order is shuffled too (not sorted ascending in every batch).
  const auto plan = bucketed_batches(frames, 10, 5, 0);
  int unsorted = 0;
  for (const auto& b : plan)
    if (!std::is_sorted(b.begin(), b.end(), [&](auto x, auto y) { return frames[x] < frames[y]; }))
      ++unsorted;
  EXPECT_GT(unsorted, 0);
}

TEST(Batching, EqualLengthsAreTieBrokenBySeed) {
  const std::vector<std::int64_t> frames(40, 50);
  EXPECT_NE(bucketed_batches(frames, 10, 1, 0), bucketed_batches(frames, 10, 1, 1));
}

TEST(Batching, EvaluationBatchesAreInOrder) {
  const auto plan = sequential_batches(10, 4);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0], (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(plan[2], (std::vector<std::size_t>{8, 9}));
  EXPECT_TRUE(sequential_batches(0, 4).empty());
}

TEST(Batching, PadsToTheLongestWithZerosAndKeepsLengthsAndLabels) {
  std::vector<FeatureMatrix> features;
  std::vector<int> labels = {2, 0, 1};
  for (std::int64_t t : {3, 5, 1}) {
    FeatureMatrix m;
    m.frames = t;
    m.dim = 2;
    m.data = testing::white_noise(t * 2, 1.0, static_cast<std::uint64_t>(t));
    for (auto& v : m.data) v += 10.0f;  // never zero
    features.push_back(std::move(m));
  }
  const std::vector<std::size_t> members = {2, 0, 1};
  const Batch b = pad_batch(features, labels, members);
  EXPECT_EQ(b.x.batch, 3);
  EXPECT_EQ(b.x.max_frames, 5);
  EXPECT_EQ(b.x.dim, 2);
  EXPECT_EQ(b.x.lengths, (std::vector<std::int64_t>{1, 3, 5}));
  EXPECT_EQ(b.labels, (std::vector<int>{1, 2, 0}));
  EXPECT_EQ(b.members, members);
  for (std::int64_t i = 0; i < 3; ++i) {
    const auto& src = features[members[i]];
    for (std::int64_t t = 0; t < 5; ++t)
      for (std::int64_t f = 0; f < 2; ++f) {
        if (t < src.frames)
          EXPECT_EQ(b.x.at(i, t, f), src.at(t, f));
        else
          EXPECT_EQ(b.x.at(i, t, f), 0.0f);
      }
  }
}

}  // namespace
}  // namespace calmspace
