// Device kernels of the cuDNN backend and its training step, each a checked launch on `stream`.
// Shapes: B clips, T padded frames, F features, D = H * directions, A attention size, C classes.
// Every per-clip quantity is masked by the clip's length (device int32 lengths[B]); buffers are
// batch-major (B, T, .) like core/tensor.h. No floating-point atomics: every reduction has a
// fixed order, so a step is deterministic on a given GPU. CPU references: core/model/pooling.h,
// core/train/loss.h, core/train/optimizer.h (same formulas, same order of operations where cheap).
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

// Mean / max / last pooling of Y (B,T,D) -> P (B,D); argmax (B,D) for max; H = hidden size.
void pool_mean_forward(const float* Y, const int* lengths, int B, int T, int D, float* P,
                       cudaStream_t stream);
void pool_max_forward(const float* Y, const int* lengths, int B, int T, int D, float* P,
                      int* argmax, cudaStream_t stream);
void pool_last_forward(const float* Y, const int* lengths, int B, int T, int D, int H, float* P,
                       cudaStream_t stream);
// WRITE dY (B,T,D) entirely (zero where no gradient flows).
void pool_mean_backward(const float* dP, const int* lengths, int B, int T, int D, float* dY,
                        cudaStream_t stream);
void pool_max_backward(const float* dP, const int* argmax, int B, int T, int D, float* dY,
                       cudaStream_t stream);
void pool_last_backward(const float* dP, const int* lengths, int B, int T, int D, int H, float* dY,
                        cudaStream_t stream);

// Attention pooling. Z (B,T,A) = Y W^T (cuBLAS, by the caller). Then:
//   u = tanh(Z + b) on valid frames (0 past lengths), e = u . v, alpha = masked softmax_t(e),
//   P (B,D) = sum_t alpha Y.
void attention_scores(const float* Z, const float* bias, const float* v, const int* lengths, int B,
                      int T, int A, float* u, float* e, cudaStream_t stream);
void attention_softmax(const float* e, const int* lengths, int B, int T, float* alpha,
                       cudaStream_t stream);
void attention_weighted_sum(const float* Y, const float* alpha, const int* lengths, int B, int T,
                            int D, float* P, cudaStream_t stream);
// Backward, part 1: de (B,T) = d loss / d e; da (B,T,A) = de * v * (1 - u^2) (0 past lengths);
// dY (B,T,D) WRITTEN as alpha * dP (the caller adds da W with cuBLAS).
void attention_backward(const float* Y, const float* u, const float* alpha, const float* v,
                        const float* dP, const int* lengths, int B, int T, int D, int A,
                        float* dalpha_scratch, float* de, float* da, float* dY,
                        cudaStream_t stream);

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
