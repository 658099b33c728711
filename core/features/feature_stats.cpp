#include "core/features/feature_stats.h"

#include <algorithm>
#include <cmath>

#include "core/base/error.h"

namespace calmspace {

FeatureStatsAccumulator::FeatureStatsAccumulator(std::int64_t dim)
    : dim_(dim), sum_(static_cast<std::size_t>(dim)), sum_sq_(static_cast<std::size_t>(dim)) {}

void FeatureStatsAccumulator::add_rows(std::span<const float> rows, std::int64_t n) {
  CALMSPACE_CHECK(static_cast<std::int64_t>(rows.size()) == n * dim_, "rows size ", rows.size(),
                  " != ", n, " x ", dim_);
  for (std::int64_t t = 0; t < n; ++t)
    for (std::int64_t f = 0; f < dim_; ++f) {
      const double v = rows[static_cast<std::size_t>(t * dim_ + f)];
      sum_[static_cast<std::size_t>(f)] += v;
      sum_sq_[static_cast<std::size_t>(f)] += v * v;
    }
  frames_ += n;
}

void FeatureStatsAccumulator::add(const FeatureMatrix& clip) {
  CALMSPACE_CHECK(clip.dim == dim_, "feature dim ", clip.dim, " != ", dim_);
  add_rows(clip.data, clip.frames);
}

void FeatureStatsAccumulator::add(const PaddedBatch& batch) {
  CALMSPACE_CHECK(batch.dim == dim_, "feature dim ", batch.dim, " != ", dim_);
  for (std::int64_t b = 0; b < batch.batch; ++b) add_rows(batch.clip(b), batch.lengths[b]);
}

FeatureStats FeatureStatsAccumulator::finish() const {
  FeatureStats s;
  s.frames = frames_;
  s.mean.resize(static_cast<std::size_t>(dim_));
  s.std.resize(static_cast<std::size_t>(dim_));
  for (std::size_t f = 0; f < s.mean.size(); ++f) {
    const double mean = frames_ ? sum_[f] / double(frames_) : 0.0;
    // E[x^2] - mean^2 can dip below zero by rounding for a constant feature.
    const double var = frames_ ? std::max(0.0, sum_sq_[f] / double(frames_) - mean * mean) : 0.0;
    s.mean[f] = static_cast<float>(mean);
    s.std[f] = static_cast<float>(std::max(std::sqrt(var), kMinFeatureStd));
  }
  return s;
}

std::vector<double> FeatureStatsAccumulator::totals() const {
  std::vector<double> t{static_cast<double>(frames_)};
  t.insert(t.end(), sum_.begin(), sum_.end());
  t.insert(t.end(), sum_sq_.begin(), sum_sq_.end());
  return t;
}

void FeatureStatsAccumulator::add_totals(std::span<const double> totals) {
  const auto F = static_cast<std::size_t>(dim_);
  CALMSPACE_CHECK(totals.size() == 1 + 2 * F, "totals of ", totals.size(), " values for dim ",
                  dim_);
  frames_ += static_cast<std::int64_t>(std::llround(totals[0]));
  for (std::size_t f = 0; f < F; ++f) {
    sum_[f] += totals[1 + f];
    sum_sq_[f] += totals[1 + F + f];
  }
}

FeatureStats compute_feature_stats(std::span<const FeatureMatrix> clips) {
  CALMSPACE_CHECK(!clips.empty(), "no clips to compute feature statistics from");
  FeatureStatsAccumulator acc(clips[0].dim);
  for (const auto& c : clips) acc.add(c);
  return acc.finish();
}

}  // namespace calmspace
