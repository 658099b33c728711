#include "core/features/deltas.h"

#include <algorithm>

namespace calmspace {

void compute_deltas(const float* in, int in_stride, float* out, int out_stride, std::int64_t frames,
                    int dim, int half_window) {
  const double denom = half_window * (half_window + 1.0) * (2.0 * half_window + 1.0) / 3.0;
  const auto row = [&](std::int64_t t) {
    return in + std::clamp<std::int64_t>(t, 0, frames - 1) * in_stride;
  };
  for (std::int64_t t = 0; t < frames; ++t) {
    float* o = out + t * out_stride;
    for (int f = 0; f < dim; ++f) {
      double acc = 0.0;
      for (int n = 1; n <= half_window; ++n) acc += n * (double(row(t + n)[f]) - row(t - n)[f]);
      o[f] = static_cast<float>(acc / denom);
    }
  }
}

}  // namespace calmspace
