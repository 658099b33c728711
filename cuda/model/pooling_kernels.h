// Masked pooling over each clip's frames: mean, max, last and attention: device kernels of the
// cuDNN backend and its training step. CPU reference: core/model/pooling.h (same formulas, same
// order of operations where cheap). Every per-clip quantity is masked by the clip's length (device
// int32 lengths[B]); buffers are batch-major (B, T, .) like core/base/tensor.h. No floating-point
// atomics: every reduction has a fixed order, so a step is deterministic on a given GPU. Shapes: B
// clips, T padded frames, F features, D = H * directions, A attention size, C classes. Each is a
// checked launch on `stream`.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace calmspace::cuda::kernels {

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

}  // namespace calmspace::cuda::kernels
