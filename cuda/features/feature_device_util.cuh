// Device helpers shared by the feature kernels: locating a packed frame's clip, grid sizing.
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

// Blocks for a grid-stride loop over n items (capped; the loop covers the rest).
inline unsigned grid_for(std::int64_t n, int threads) {
  const std::int64_t blocks = (n + threads - 1) / threads;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > (1 << 20) ? (1 << 20) : blocks));
}

}  // namespace calmspace::cuda
