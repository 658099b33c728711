#include "core/features/deltas.h"

#include <algorithm>

namespace calmspace {

void compute_deltas(const float* in, int in_stride, float* out, int out_stride, std::int64_t frames,
                    int dim, int half_window) {
  const auto row = [&](std::int64_t t) {
    return in + std::clamp<std::int64_t>(t, 0, frames - 1) * in_stride;
  };
  for (std::int64_t t = 0; t < frames; ++t)
    delta_row(row, t, dim, half_window, out + t * out_stride);
}

}  // namespace calmspace
