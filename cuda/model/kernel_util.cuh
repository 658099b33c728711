// Launch geometry and fixed-order block reductions shared by the model kernels (device code).
#pragma once

#include <cstdint>

namespace calmspace::cuda::kernels {

constexpr int kThreads = 256;

inline int blocks_for(std::int64_t n) {
  const std::int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<int>(b < 1 ? 1 : (b > 65535 * 8 ? 65535 * 8 : b));
}

// Grid-stride loop over [0, n).
#define CALMSPACE_GRID_LOOP(i, n)                                                     \
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < (n); \
       i += std::int64_t(gridDim.x) * blockDim.x)

// Tree sum of one value per thread over a block of kThreads threads (fixed order). All threads
// get the result.
template <class S>
__device__ inline S block_sum(S value, S* shared) {
  shared[threadIdx.x] = value;
  __syncthreads();
  for (int stride = kThreads / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) shared[threadIdx.x] += shared[threadIdx.x + stride];
    __syncthreads();
  }
  const S out = shared[0];
  __syncthreads();
  return out;
}

__device__ inline float block_max(float value, float* shared) {
  shared[threadIdx.x] = value;
  __syncthreads();
  for (int stride = kThreads / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride)
      shared[threadIdx.x] = fmaxf(shared[threadIdx.x], shared[threadIdx.x + stride]);
    __syncthreads();
  }
  const float out = shared[0];
  __syncthreads();
  return out;
}

}  // namespace calmspace::cuda::kernels
