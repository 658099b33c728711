// Moving weights between the flat layout and cuDNN's weight space, and input normalisation
// (declarations, shapes and references: layout_kernels.h).
#include <cfloat>

#include "cuda/common/check.h"
#include "cuda/model/kernel_util.cuh"
#include "cuda/model/layout_kernels.h"

namespace calmspace::cuda::kernels {
namespace {

__global__ void copy_segments_kernel(const float* __restrict__ src, float* __restrict__ dst,
                                     const Segment* __restrict__ segments, bool accumulate) {
  const Segment s = segments[blockIdx.y];
  CALMSPACE_GRID_LOOP(i, s.count) {
    const float x = src[s.src + i];
    dst[s.dst + i] = accumulate ? dst[s.dst + i] + x : x;
  }
}

__global__ void normalise_kernel(const float* __restrict__ raw, const int* __restrict__ lengths,
                                 const float* __restrict__ mean, const float* __restrict__ inv_std,
                                 bool normalise, int B, int T, int F, float* __restrict__ out) {
  CALMSPACE_GRID_LOOP(i, std::int64_t(B) * T * F) {
    const int f = static_cast<int>(i % F);
    const std::int64_t bt = i / F;
    const int t = static_cast<int>(bt % T);
    const int b = static_cast<int>(bt / T);
    float x = 0.0f;
    if (t < lengths[b]) x = normalise ? (raw[i] - mean[f]) * inv_std[f] : raw[i];
    out[i] = x;
  }
}

}  // namespace

void copy_segments(const float* src, float* dst, const Segment* segments, int n, bool accumulate,
                   cudaStream_t stream) {
  if (n == 0) return;
  copy_segments_kernel<<<dim3(64, n), kThreads, 0, stream>>>(src, dst, segments, accumulate);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void normalise_input(const float* raw, const int* lengths, const float* mean, const float* inv_std,
                     bool normalise, int B, int T, int F, float* out, cudaStream_t stream) {
  normalise_kernel<<<blocks_for(std::int64_t(B) * T * F), kThreads, 0, stream>>>(
      raw, lengths, mean, inv_std, normalise, B, T, F, out);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

}  // namespace calmspace::cuda::kernels
