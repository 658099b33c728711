// Feature statistics: per-feature mean and standard deviation over every valid frame of a set of
// clips (padding never counts): the training clips for the model's input normalisation
// (model.input_norm), one speaker's clips for features.speaker_norm (speaker_norm.h). Accumulated
// in double; population std (divide by the frame count, like torch.std(unbiased=False)), floored at
// kMinFeatureStd so a constant feature never divides by zero. The model applies x' = (x - mean) /
// std.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/base/tensor.h"

namespace calmspace {

inline constexpr double kMinFeatureStd = 1e-5;

struct FeatureStats {
  std::vector<float> mean;  // (F,)
  std::vector<float> std;   // (F,), >= kMinFeatureStd
  std::int64_t frames = 0;  // frames the statistics saw
};

class FeatureStatsAccumulator {
 public:
  explicit FeatureStatsAccumulator(std::int64_t dim);
  void add(const FeatureMatrix& clip);
  void add(const PaddedBatch& batch);  // only rows t < lengths[b]
  // Rows of (n, dim) values.
  void add_rows(std::span<const float> rows, std::int64_t n);
  FeatureStats finish() const;
  // [frames, sum (dim), sum of squares (dim)]: what several accumulators (the ranks of a job)
  // add element-wise before one finishes; add_totals adds such a vector.
  std::vector<double> totals() const;
  void add_totals(std::span<const double> totals);

 private:
  std::int64_t dim_;
  std::int64_t frames_ = 0;
  std::vector<double> sum_, sum_sq_;
};

FeatureStats compute_feature_stats(std::span<const FeatureMatrix> clips);

}  // namespace calmspace
