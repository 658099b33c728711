// Gradient norm (clipping) and the Adam/AdamW update: device kernels of the cuDNN backend and its
// training step. CPU reference: core/train/optimizer.cpp and core/train/training_step.cpp (gradient
// clipping) (same formulas, same order of operations where cheap). Every per-clip quantity is
// masked by the clip's length (device int32 lengths[B]); buffers are batch-major (B, T, .) like
// core/base/tensor.h. No floating-point atomics: every reduction has a fixed order, so a step is
// deterministic on a given GPU. Shapes: B clips, T padded frames, F features, D = H * directions, A
// attention size, C classes. Each is a checked launch on `stream`.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/model/head_loss_kernels.h"

namespace calmspace::cuda::kernels {

// Global L2 norm of g (n floats) in double: ADDS it to totals->grad_norm_sum and WRITES the
// clipping coefficient (PyTorch clip_grad_norm_: max_norm / (norm + 1e-6) when < 1, else 1) to
// *coef. partials: device scratch of kNormBlocks doubles.
constexpr int kNormBlocks = 256;
void gradient_norm(const float* g, std::int64_t n, double max_norm, double* partials, double* coef,
                   StepTotalsDevice* totals, cudaStream_t stream);

// Adam/AdamW update (core/train/optimizer.cpp with the same float arithmetic); the gradient is
// first scaled by *coef (written back, as clipping does on the CPU) when *coef < 1.
struct AdamScalars {
  float b1, b2, step_size, inv_sqrt_bc2, eps, l2, decay;
};
void adam_update(float* w, float* g, float* m, float* v, std::int64_t n, const double* coef,
                 const AdamScalars& s, cudaStream_t stream);

}  // namespace calmspace::cuda::kernels
