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

}  // namespace calmspace
