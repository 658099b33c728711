// Framing kernel: one block per packed frame reads the clip's samples straight from the ragged
// buffer, applies pre-emphasis and dither on the fly (preprocess.h), reflect-pads centred frames
// (framing.h), multiplies by the window and writes the zero-padded n_fft row for cuFFT. No
// conditioned or padded copy of the signal is ever stored.
#include <cstdint>

#include "cuda/common/check.h"
#include "cuda/features/feature_device_util.cuh"
#include "cuda/features/feature_index_math.h"
#include "cuda/features/feature_kernels.h"

namespace calmspace::cuda {
namespace {

constexpr int kThreads = 128;

__global__ void __launch_bounds__(kThreads)
    frame_window_kernel(const float* __restrict__ samples, ClipTable clips, FramingParams p,
                        const float* __restrict__ window, std::int64_t first,
                        float* __restrict__ frames) {
  const std::int64_t g = first + blockIdx.x;
  const int b = clip_of_frame(clips, g);
  const std::int64_t t = g - clips.frame_offsets[b];
  const std::int64_t n = clips.num_samples[b];
  const float* x = samples + clips.sample_offsets[b];
  // FrameLayout::first_sample(t): may be negative when centred.
  const std::int64_t start = t * p.hop + (p.center ? p.window_offset - p.n_fft / 2 : 0);
  float* row = frames + static_cast<std::int64_t>(blockIdx.x) * p.n_fft;
  for (int j = threadIdx.x; j < p.n_fft; j += blockDim.x) {
    const int w = j - p.window_offset;
    float v = 0.0f;
    if (w >= 0 && w < p.win) {
      std::int64_t i = start + w;
      if (i < 0 || i >= n) i = reflect_sample(i, n);  // only centred frames reach outside
      v = __fmul_rn(conditioned_sample(x, i, p), window[w]);
    }
    row[j] = v;
  }
}

}  // namespace

void launch_frame_window(const float* samples, const ClipTable& clips, const FramingParams& p,
                         const float* window, std::int64_t first, std::int64_t count, float* frames,
                         cudaStream_t stream) {
  if (count <= 0) return;
  frame_window_kernel<<<static_cast<unsigned>(count), kThreads, 0, stream>>>(samples, clips, p,
                                                                             window, first, frames);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

}  // namespace calmspace::cuda
