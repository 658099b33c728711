// Kernels that run on the padded output once every frame's base features are in place: zeroing
// the padding rows, regression deltas (deltas.h) and per-clip CMVN (cmvn.h). Each reads only a
// clip's true frames, so padding never enters a result.
#include <cstdint>

#include "cuda/common/check.h"
#include "cuda/features/feature_device_util.cuh"
#include "cuda/features/feature_kernels.h"

namespace calmspace::cuda {
namespace {

constexpr int kThreads = 256;

// Grid-stride over every element of every row; elements of rows t < length(b) are left alone.
__global__ void zero_padding_kernel(ClipTable clips, PaddedOutput out) {
  const std::int64_t total = static_cast<std::int64_t>(clips.batch) * out.max_frames * out.dim;
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < total;
       i += std::int64_t(gridDim.x) * blockDim.x) {
    const std::int64_t r = i / out.dim;  // padded row
    const int b = static_cast<int>(r / out.max_frames);
    const std::int64_t t = r % out.max_frames;
    if (t >= clip_frames(clips, b)) out.data[i] = 0.0f;
  }
}

// compute_deltas(): d_t = sum_n n (x_{t+n} - x_{t-n}) / (2 sum n^2), edges replicated, double.
__global__ void deltas_kernel(ClipTable clips, PaddedOutput out, std::int64_t total_frames,
                              int in_col, int out_col, int dim, int half_window, double denom) {
  const std::int64_t total = total_frames * dim;
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < total;
       i += std::int64_t(gridDim.x) * blockDim.x) {
    const std::int64_t g = i / dim;
    const int f = static_cast<int>(i % dim);
    const int b = clip_of_frame(clips, g);
    const std::int64_t t = g - clips.frame_offsets[b];
    const std::int64_t last = clip_frames(clips, b) - 1;
    const float* clip = out.data + static_cast<std::int64_t>(b) * out.max_frames * out.dim;
    const auto in = [&](std::int64_t s) {
      s = s < 0 ? 0 : (s > last ? last : s);
      return static_cast<double>(clip[s * out.dim + in_col + f]);
    };
    double acc = 0.0;
    for (int n = 1; n <= half_window; ++n)
      acc = __dadd_rn(acc, __dmul_rn(static_cast<double>(n), __dsub_rn(in(t + n), in(t - n))));
    out.data[(static_cast<std::int64_t>(b) * out.max_frames + t) * out.dim + out_col + f] =
        static_cast<float>(acc / denom);
  }
}

// apply_cmvn(): per clip and column, mean (and population variance) over the clip's frames in
// double; x -> (x - mean) * (1 / sqrt(var + 1e-10)). Block (32 columns, 16 frame lanes) per clip
// and column tile; partial sums are combined in a fixed order (deterministic).
constexpr int kCols = 32;
constexpr int kLanes = 16;

__global__ void __launch_bounds__(kCols* kLanes)
    cmvn_kernel(ClipTable clips, PaddedOutput out, bool variance) {
  __shared__ double partial[kLanes][kCols + 1];
  __shared__ double mean_s[kCols];
  __shared__ double scale_s[kCols];
  const int b = blockIdx.x;
  const int f = blockIdx.y * kCols + threadIdx.x;
  const int lane = threadIdx.y;
  const std::int64_t frames = clip_frames(clips, b);
  if (frames == 0) return;  // uniform across the block
  float* clip = out.data + static_cast<std::int64_t>(b) * out.max_frames * out.dim;
  const bool active = f < out.dim;

  double sum = 0.0;
  if (active)
    for (std::int64_t t = lane; t < frames; t += kLanes) sum += clip[t * out.dim + f];
  partial[lane][threadIdx.x] = sum;
  __syncthreads();
  if (lane == 0) {
    double total = 0.0;
    for (int k = 0; k < kLanes; ++k) total += partial[k][threadIdx.x];
    mean_s[threadIdx.x] = total / static_cast<double>(frames);
  }
  __syncthreads();
  const double mean = mean_s[threadIdx.x];
  double scale = 1.0;
  if (variance) {
    double sq = 0.0;
    if (active)
      for (std::int64_t t = lane; t < frames; t += kLanes) {
        const double d = __dsub_rn(static_cast<double>(clip[t * out.dim + f]), mean);
        sq = __dadd_rn(sq, __dmul_rn(d, d));
      }
    __syncthreads();  // every lane has read mean_s before partial is reused
    partial[lane][threadIdx.x] = sq;
    __syncthreads();
    if (lane == 0) {
      double total = 0.0;
      for (int k = 0; k < kLanes; ++k) total += partial[k][threadIdx.x];
      scale_s[threadIdx.x] = 1.0 / sqrt(total / static_cast<double>(frames) + 1e-10);
    }
    __syncthreads();
    scale = scale_s[threadIdx.x];
  }
  if (active)
    for (std::int64_t t = lane; t < frames; t += kLanes) {
      float& x = clip[t * out.dim + f];
      x = static_cast<float>(__dmul_rn(__dsub_rn(static_cast<double>(x), mean), scale));
    }
}

}  // namespace

void launch_zero_padding(const ClipTable& clips, const PaddedOutput& out, cudaStream_t stream) {
  const std::int64_t total = static_cast<std::int64_t>(clips.batch) * out.max_frames * out.dim;
  if (total <= 0) return;
  zero_padding_kernel<<<grid_for(total, kThreads), kThreads, 0, stream>>>(clips, out);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void launch_deltas(const ClipTable& clips, const PaddedOutput& out, std::int64_t total_frames,
                   int in_col, int out_col, int dim, int half_window, cudaStream_t stream) {
  const std::int64_t total = total_frames * dim;
  if (total <= 0) return;
  // deltas.cpp's denominator: N (N + 1) (2N + 1) / 3 = 2 sum n^2.
  const double denom = half_window * (half_window + 1.0) * (2.0 * half_window + 1.0) / 3.0;
  deltas_kernel<<<grid_for(total, kThreads), kThreads, 0, stream>>>(
      clips, out, total_frames, in_col, out_col, dim, half_window, denom);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void launch_cmvn(const ClipTable& clips, const PaddedOutput& out, bool variance,
                 cudaStream_t stream) {
  if (clips.batch <= 0 || out.dim <= 0) return;
  const dim3 grid(static_cast<unsigned>(clips.batch),
                  static_cast<unsigned>((out.dim + kCols - 1) / kCols));
  const dim3 block(kCols, kLanes);
  cmvn_kernel<<<grid, block, 0, stream>>>(clips, out, variance);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

}  // namespace calmspace::cuda
