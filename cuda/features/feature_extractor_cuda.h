// The CUDA feature backend: the CPU reference's pipeline (core/features/cpu_feature_extractor.h),
// the same FeatureOptions and the same padded output, computed for a whole ragged batch at once.
// Host-facing: no CUDA types, so any translation unit may include it; a build without CUDA links
// cuda/stub/feature_extractor_unavailable.cpp instead, whose factory throws "built without CUDA".
//
// Kernels per batch (cuda/features/feature_kernels.h): [frame: pre-emphasis, dither, reflect/snip
// framing, window -> n_fft rows] -> [cuFFT r2c] -> [power|magnitude -> mel -> log -> DCT+lifter,
// written straight into the padded output] -> [deltas] -> [CMVN over each clip's true frames];
// padding rows are zeroed by their own kernel and never read.
//
// Parity: every stage mirrors the CPU arithmetic (same window, mel and DCT matrices built by the
// host code, float products and sums in the CPU's order without FMA contraction, double where the
// CPU uses double, dither from the same counter-based generator). Only the FFT differs (cuFFT vs
// FFTW, both float32); tests/cuda/features/feature_extractor_cuda_test.cpp states the tolerance.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "core/features/feature_extractor.h"

namespace calmspace {

// A ragged batch of mono clips already in GPU memory.
struct DeviceClips {
  const float* samples = nullptr;       // device memory; clip b = samples[offsets[b] .. + sizes[b])
  std::span<const std::int64_t> sizes;  // host, B sample counts
  std::span<const std::int64_t> offsets;  // host, B sample offsets; empty = back to back
};

// Where extract_device() writes: a (B, max_frames, feature_dim) row-major float32 tensor in GPU
// memory; clip b's rows t < lengths[b] hold its features, every other row is zeroed.
struct DeviceFeatures {
  float* data = nullptr;            // device memory, B * max_frames * feature_dim floats
  std::int64_t max_frames = 0;      // >= every clip's frame count (may be larger: bucket padding)
  std::int64_t* lengths = nullptr;  // optional device memory for the B frame counts (int64)
};

class CudaFeatureExtractor : public FeatureExtractor {
 public:
  // Validates the options (InputError naming "features.<key>"). Throws Error with the runtime's
  // reason when no usable GPU is present, InputError naming "device" for a bad device index.
  static std::unique_ptr<CudaFeatureExtractor> create(const FeatureOptions& options,
                                                      int sample_rate, int device = 0);

  // Frames of a clip of `num_samples` samples (as the CPU backend).
  std::int64_t num_frames(std::int64_t num_samples) const {
    return options().num_frames(num_samples, sample_rate());
  }
  virtual int device() const = 0;

  // Device entry point: audio in GPU memory -> features in GPU memory, enqueued on `stream` (a
  // cudaStream_t; nullptr = the legacy default stream) without a host round trip of samples or
  // features (only the B sizes/offsets and frame counts travel, through pinned memory). Returns
  // when the work is enqueued; the caller synchronises `stream` before reading `out`. Calls on
  // different streams are ordered by an event (the workspace is shared); one extractor serves one
  // host thread at a time. Throws InputError for negative sizes, host pointers or
  // out.max_frames below the longest clip's frame count.
  virtual void extract_device(const DeviceClips& clips, const DeviceFeatures& out,
                              void* stream = nullptr) = 0;
};

// The CUDA backend behind the FeatureExtractor interface (see CudaFeatureExtractor::create).
std::unique_ptr<FeatureExtractor> make_cuda_feature_extractor(const FeatureOptions& options,
                                                              int sample_rate, int device = 0);

}  // namespace calmspace
