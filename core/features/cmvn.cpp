#include "core/features/cmvn.h"

#include <cmath>
#include <vector>

namespace calmspace {

void apply_cmvn(float* data, std::int64_t frames, int dim, Cmvn mode) {
  if (mode == Cmvn::None || frames <= 0) return;
  std::vector<double> mean(static_cast<std::size_t>(dim), 0.0);
  for (std::int64_t t = 0; t < frames; ++t)
    for (int f = 0; f < dim; ++f) mean[f] += data[t * dim + f];
  for (auto& m : mean) m /= static_cast<double>(frames);
  std::vector<double> scale(static_cast<std::size_t>(dim), 1.0);
  if (mode == Cmvn::MeanVar) {
    std::vector<double> var(static_cast<std::size_t>(dim), 0.0);
    for (std::int64_t t = 0; t < frames; ++t)
      for (int f = 0; f < dim; ++f) {
        const double d = data[t * dim + f] - mean[f];
        var[f] += d * d;
      }
    for (int f = 0; f < dim; ++f) scale[f] = 1.0 / std::sqrt(var[f] / frames + 1e-10);
  }
  for (std::int64_t t = 0; t < frames; ++t)
    for (int f = 0; f < dim; ++f)
      data[t * dim + f] = static_cast<float>((data[t * dim + f] - mean[f]) * scale[f]);
}

}  // namespace calmspace
