// The linear head and the softmax cross-entropy of a training step (declarations, shapes and
// references: head_loss_kernels.h).
#include <cfloat>

#include "cuda/common/check.h"
#include "cuda/model/head_loss_kernels.h"
#include "cuda/model/kernel_util.cuh"

namespace calmspace::cuda::kernels {
namespace {

__global__ void head_forward_kernel(const float* __restrict__ P, const float* __restrict__ W,
                                    const float* __restrict__ bias, int B, int D, int C,
                                    float* __restrict__ logits) {
  CALMSPACE_GRID_LOOP(i, std::int64_t(B) * C) {
    const int c = static_cast<int>(i % C), b = static_cast<int>(i / C);
    float z = bias[c];
    for (int j = 0; j < D; ++j) z += W[std::int64_t(c) * D + j] * P[std::int64_t(b) * D + j];
    logits[i] = z;
  }
}

__global__ void head_dw_kernel(const float* __restrict__ P, const float* __restrict__ dlogits,
                               int B, int D, int C, float* __restrict__ dW,
                               float* __restrict__ dbias) {
  CALMSPACE_GRID_LOOP(i, std::int64_t(C) * (D + 1)) {
    const int c = static_cast<int>(i / (D + 1)), j = static_cast<int>(i % (D + 1));
    float s = 0.0f;
    if (j < D) {
      for (int b = 0; b < B; ++b)
        s += dlogits[std::int64_t(b) * C + c] * P[std::int64_t(b) * D + j];
      dW[std::int64_t(c) * D + j] += s;
    } else {
      for (int b = 0; b < B; ++b) s += dlogits[std::int64_t(b) * C + c];
      dbias[c] += s;
    }
  }
}

__global__ void head_dp_kernel(const float* __restrict__ W, const float* __restrict__ dlogits,
                               int B, int D, int C, float* __restrict__ dP) {
  CALMSPACE_GRID_LOOP(i, std::int64_t(B) * D) {
    const int j = static_cast<int>(i % D), b = static_cast<int>(i / D);
    float s = 0.0f;
    for (int c = 0; c < C; ++c) s += dlogits[std::int64_t(b) * C + c] * W[std::int64_t(c) * D + j];
    dP[i] = s;
  }
}

// One block of kThreads: rows b = threadIdx.x, threadIdx.x + kThreads, ...

__global__ void cross_entropy_kernel(const float* __restrict__ logits,
                                     const int* __restrict__ labels,
                                     const float* __restrict__ class_weights, int B, int C,
                                     float* __restrict__ dlogits,
                                     StepTotalsDevice* __restrict__ totals) {
  __shared__ double dshared[kThreads];
  double local_loss = 0, local_w = 0, local_correct = 0;
  for (int b = threadIdx.x; b < B; b += blockDim.x) {
    const float* z = logits + std::int64_t(b) * C;
    const int y = labels[b];
    float zmax = z[0];
    int best = 0;
    for (int c = 1; c < C; ++c)
      if (z[c] > zmax) {
        zmax = z[c];
        best = c;
      }
    double sum = 0;
    for (int c = 0; c < C; ++c) sum += exp(static_cast<double>(z[c] - zmax));
    const double w = class_weights ? static_cast<double>(class_weights[y]) : 1.0;
    local_loss += w * (log(sum) - static_cast<double>(z[y] - zmax));
    local_w += w;
    local_correct += best == y ? 1.0 : 0.0;
  }
  const double loss = block_sum(local_loss, dshared);
  const double total_w = block_sum(local_w, dshared);
  const double correct = block_sum(local_correct, dshared);
  for (int b = threadIdx.x; b < B; b += blockDim.x) {
    const float* z = logits + std::int64_t(b) * C;
    float* d = dlogits + std::int64_t(b) * C;
    const int y = labels[b];
    float zmax = z[0];
    for (int c = 1; c < C; ++c) zmax = fmaxf(zmax, z[c]);
    float sum = 0.0f;
    for (int c = 0; c < C; ++c) sum += (d[c] = expf(z[c] - zmax));
    const double w = class_weights ? static_cast<double>(class_weights[y]) : 1.0;
    const float scale = static_cast<float>(w / total_w);
    for (int c = 0; c < C; ++c) d[c] = (d[c] / sum - (c == y ? 1.0f : 0.0f)) * scale;
  }
  if (threadIdx.x == 0) {
    totals->loss_sum += loss / total_w * B;  // NaN when the weights sum to 0: seen at logging
    totals->correct += static_cast<long long>(correct + 0.5);
  }
}

}  // namespace

void head_forward(const float* P, const float* W, const float* bias, int B, int D, int C,
                  float* logits, cudaStream_t stream) {
  head_forward_kernel<<<blocks_for(std::int64_t(B) * C), kThreads, 0, stream>>>(P, W, bias, B, D, C,
                                                                                logits);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void head_backward(const float* P, const float* W, const float* dlogits, int B, int D, int C,
                   float* dW, float* dbias, float* dP, cudaStream_t stream) {
  head_dw_kernel<<<blocks_for(std::int64_t(C) * (D + 1)), kThreads, 0, stream>>>(P, dlogits, B, D,
                                                                                 C, dW, dbias);
  CALMSPACE_CUDA_CHECK_LAUNCH();
  head_dp_kernel<<<blocks_for(std::int64_t(B) * D), kThreads, 0, stream>>>(W, dlogits, B, D, C, dP);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void softmax_cross_entropy(const float* logits, const int* labels, const float* class_weights,
                           int B, int C, float* dlogits, StepTotalsDevice* totals,
                           cudaStream_t stream) {
  cross_entropy_kernel<<<1, kThreads, 0, stream>>>(logits, labels, class_weights, B, C, dlogits,
                                                   totals);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

}  // namespace calmspace::cuda::kernels
