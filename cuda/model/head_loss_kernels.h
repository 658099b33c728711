// The linear head and the softmax cross-entropy of a training step: device kernels of the cuDNN
// backend and its training step. CPU reference: core/model/pooling.h (head_forward, head_backward)
// and core/model/loss.h (same formulas, same order of operations where cheap). Every per-clip
// quantity is masked by the clip's length (device int32 lengths[B]); buffers are batch-major (B, T,
// .) like core/base/tensor.h. No floating-point atomics: every reduction has a fixed order, so a
// step is deterministic on a given GPU. Shapes: B clips, T padded frames, F features, D = H *
// directions, A attention size, C classes. Each is a checked launch on `stream`.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace calmspace::cuda::kernels {

// Head: logits (B,C) = P W^T + bias. Backward ADDS dW (C,D), dbias (C); WRITES dP (B,D).
void head_forward(const float* P, const float* W, const float* bias, int B, int D, int C,
                  float* logits, cudaStream_t stream);
void head_backward(const float* P, const float* W, const float* dlogits, int B, int D, int C,
                   float* dW, float* dbias, float* dP, cudaStream_t stream);

// Running totals of a training step, on the device.
struct StepTotalsDevice {
  double loss_sum;       // sum of batch mean loss * B
  double grad_norm_sum;  // sum of pre-clipping norms
  long long correct;
};

// Softmax cross-entropy (PyTorch CrossEntropyLoss(weight, reduction=mean)) of logits (B,C) with
// labels (B) and optional class_weights (C or nullptr): WRITES dlogits, ADDS the batch's loss * B
// and its correct count to totals.
void softmax_cross_entropy(const float* logits, const int* labels, const float* class_weights,
                           int B, int C, float* dlogits, StepTotalsDevice* totals,
                           cudaStream_t stream);

}  // namespace calmspace::cuda::kernels
