// Regression deltas over time, as torchaudio.functional.compute_deltas(x, win_length=2N+1,
// mode="replicate"): d_t = sum_{n=1..N} n (x_{t+n} - x_{t-n}) / (2 sum_{n=1..N} n^2), with the
// first and last frames repeated beyond the edges.
#pragma once

#include <cstdint>

namespace calmspace {

// in: frames rows of `dim` values at row stride `in_stride`; out: the same shape at `out_stride`.
// in and out must not overlap. Accumulates in double.
void compute_deltas(const float* in, int in_stride, float* out, int out_stride, std::int64_t frames,
                    int dim, int half_window);

// One output row: out[f] = d_t for frame t, where row(u) returns the input row of frame u with the
// edge rule already applied (compute_deltas clamps u to [0, frames)). The one formula both
// compute_deltas and the streamed features (feature_stream.h) evaluate.
template <class RowAt>
void delta_row(const RowAt& row, std::int64_t t, int dim, int half_window, float* out) {
  const double denom = half_window * (half_window + 1.0) * (2.0 * half_window + 1.0) / 3.0;
  for (int f = 0; f < dim; ++f) {
    double acc = 0.0;
    for (int n = 1; n <= half_window; ++n) acc += n * (double(row(t + n)[f]) - row(t - n)[f]);
    out[f] = static_cast<float>(acc / denom);
  }
}

}  // namespace calmspace
