// Device helpers shared by the feature kernels: locating a packed frame's clip, a conditioned
// sample, grid sizing.
#pragma once

#include <cstdint>

#include "cuda/features/feature_index_math.h"
#include "cuda/features/feature_kernels.h"

namespace calmspace::cuda {

__device__ inline int clip_of_frame(const ClipTable& clips, std::int64_t g) {
  return clip_of_packed_frame(clips.frame_offsets, clips.batch, g);
}

__device__ inline std::int64_t clip_frames(const ClipTable& clips, int b) {
  return clips.frame_offsets[b + 1] - clips.frame_offsets[b];
}

// Sample i of the conditioned clip: pre-emphasis y[i] = x[i] - a x[i-1] (y[0] = x[0]) in float,
// then + dither * g(seed, i) in double, rounded to float (preemphasize + add_dither). The _rn
// intrinsics forbid FMA contraction: the CPU build rounds the product and the sum separately.
__device__ inline float conditioned_sample(const float* __restrict__ x, std::int64_t i,
                                           const FramingParams& p) {
  float y = x[i];
  if (p.preemphasis != 0.0f && i > 0) y = __fsub_rn(y, __fmul_rn(p.preemphasis, x[i - 1]));
  if (p.dither != 0.0)
    y = static_cast<float>(__dadd_rn(
        static_cast<double>(y),
        __dmul_rn(p.dither, dither_normal(p.dither_seed, static_cast<std::uint64_t>(i)))));
  return y;
}

// Blocks for a grid-stride loop over n items (capped; the loop covers the rest).
inline unsigned grid_for(std::int64_t n, int threads) {
  const std::int64_t blocks = (n + threads - 1) / threads;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > (1 << 20) ? (1 << 20) : blocks));
}

}  // namespace calmspace::cuda
