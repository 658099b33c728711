// Moving weights between the flat layout and cuDNN's weight space, and input normalisation: device
// kernels of the cuDNN backend and its training step. CPU reference:
// core/model/parameter_layout.cpp (the flat layout) and the input normalisation of
// core/model/cpu_sequence_model.cpp (same formulas, same order of operations where cheap). Every
// per-clip quantity is masked by the clip's length (device int32 lengths[B]); buffers are
// batch-major (B, T, .) like core/base/tensor.h. No floating-point atomics: every reduction has a
// fixed order, so a step is deterministic on a given GPU. Shapes: B clips, T padded frames,
// F features, D = H * directions, A attention size, C classes. Each is a checked launch on
// `stream`.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace calmspace::cuda::kernels {

// One contiguous run of floats copied between two flat buffers (offsets in floats).
struct Segment {
  std::int64_t src = 0, dst = 0, count = 0;
};

// dst[s.dst + i] = src[s.src + i] (or += when accumulate) for every segment; `segments` is a
// device array of `n` Segment.
void copy_segments(const float* src, float* dst, const Segment* segments, int n, bool accumulate,
                   cudaStream_t stream);

// out (B,T,F) = (raw - mean) * inv_std on valid frames (raw copied when !normalise), 0 past
// lengths.
void normalise_input(const float* raw, const int* lengths, const float* mean, const float* inv_std,
                     bool normalise, int B, int T, int F, float* out, cudaStream_t stream);

}  // namespace calmspace::cuda::kernels
