// Masked pooling over each clip's frames: mean, max, last and attention (declarations, shapes and
// references: pooling_kernels.h).
#include <cfloat>

#include "cuda/common/check.h"
#include "cuda/model/kernel_util.cuh"
#include "cuda/model/pooling_kernels.h"

namespace calmspace::cuda::kernels {
namespace {

__global__ void pool_mean_kernel(const float* __restrict__ Y, const int* __restrict__ lengths,
                                 int B, int T, int D, float* __restrict__ P) {
  CALMSPACE_GRID_LOOP(i, std::int64_t(B) * D) {
    const int j = static_cast<int>(i % D), b = static_cast<int>(i / D);
    const int len = lengths[b];
    const float* y = Y + std::int64_t(b) * T * D + j;
    float s = 0.0f;
    for (int t = 0; t < len; ++t) s += y[std::int64_t(t) * D];
    P[i] = s / static_cast<float>(len);
  }
}

__global__ void pool_max_kernel(const float* __restrict__ Y, const int* __restrict__ lengths, int B,
                                int T, int D, float* __restrict__ P, int* __restrict__ arg) {
  CALMSPACE_GRID_LOOP(i, std::int64_t(B) * D) {
    const int j = static_cast<int>(i % D), b = static_cast<int>(i / D);
    const int len = lengths[b];
    const float* y = Y + std::int64_t(b) * T * D + j;
    int best = 0;
    float top = y[0];
    for (int t = 1; t < len; ++t) {
      const float x = y[std::int64_t(t) * D];
      if (x > top) {
        top = x;
        best = t;
      }
    }
    P[i] = top;
    arg[i] = best;
  }
}

__global__ void pool_last_kernel(const float* __restrict__ Y, const int* __restrict__ lengths,
                                 int B, int T, int D, int H, float* __restrict__ P) {
  CALMSPACE_GRID_LOOP(i, std::int64_t(B) * D) {
    const int j = static_cast<int>(i % D), b = static_cast<int>(i / D);
    const int t = j < H ? lengths[b] - 1 : 0;  // the reverse half ends at t = 0
    P[i] = Y[(std::int64_t(b) * T + t) * D + j];
  }
}

__global__ void pool_mean_backward_kernel(const float* __restrict__ dP,
                                          const int* __restrict__ lengths, int B, int T, int D,
                                          float* __restrict__ dY) {
  CALMSPACE_GRID_LOOP(i, std::int64_t(B) * T * D) {
    const int j = static_cast<int>(i % D);
    const std::int64_t bt = i / D;
    const int t = static_cast<int>(bt % T), b = static_cast<int>(bt / T);
    const int len = lengths[b];
    dY[i] = t < len ? dP[std::int64_t(b) * D + j] / static_cast<float>(len) : 0.0f;
  }
}

__global__ void pool_max_backward_kernel(const float* __restrict__ dP, const int* __restrict__ arg,
                                         int B, int T, int D, float* __restrict__ dY) {
  CALMSPACE_GRID_LOOP(i, std::int64_t(B) * D) {
    const int j = static_cast<int>(i % D), b = static_cast<int>(i / D);
    dY[(std::int64_t(b) * T + arg[i]) * D + j] = dP[i];  // dY zeroed by the launcher
  }
}

__global__ void pool_last_backward_kernel(const float* __restrict__ dP,
                                          const int* __restrict__ lengths, int B, int T, int D,
                                          int H, float* __restrict__ dY) {
  CALMSPACE_GRID_LOOP(i, std::int64_t(B) * D) {
    const int j = static_cast<int>(i % D), b = static_cast<int>(i / D);
    const int t = j < H ? lengths[b] - 1 : 0;
    dY[(std::int64_t(b) * T + t) * D + j] = dP[i];  // dY zeroed by the launcher
  }
}

__global__ void attention_scores_kernel(const float* __restrict__ Z, const float* __restrict__ bias,
                                        const float* __restrict__ v,
                                        const int* __restrict__ lengths, int B, int T, int A,
                                        float* __restrict__ u, float* __restrict__ e) {
  CALMSPACE_GRID_LOOP(bt, std::int64_t(B) * T) {
    const int t = static_cast<int>(bt % T), b = static_cast<int>(bt / T);
    const bool valid = t < lengths[b];
    float s = 0.0f;
    for (int a = 0; a < A; ++a) {
      const float x = valid ? tanhf(Z[bt * A + a] + bias[a]) : 0.0f;
      u[bt * A + a] = x;
      s += v[a] * x;
    }
    e[bt] = s;
  }
}

// One block per clip.

__global__ void attention_softmax_kernel(const float* __restrict__ e,
                                         const int* __restrict__ lengths, int T,
                                         float* __restrict__ alpha) {
  __shared__ float fshared[kThreads];
  const int b = blockIdx.x;
  const int len = lengths[b];
  const float* eb = e + std::int64_t(b) * T;
  float* ab = alpha + std::int64_t(b) * T;
  float local_max = -FLT_MAX;
  for (int t = threadIdx.x; t < len; t += blockDim.x) local_max = fmaxf(local_max, eb[t]);
  const float emax = block_max(local_max, fshared);
  float local_sum = 0.0f;
  for (int t = threadIdx.x; t < len; t += blockDim.x) local_sum += expf(eb[t] - emax);
  const float sum = block_sum(local_sum, fshared);
  for (int t = threadIdx.x; t < T; t += blockDim.x)
    ab[t] = t < len ? expf(eb[t] - emax) / sum : 0.0f;
}

__global__ void attention_weighted_sum_kernel(const float* __restrict__ Y,
                                              const float* __restrict__ alpha,
                                              const int* __restrict__ lengths, int B, int T, int D,
                                              float* __restrict__ P) {
  CALMSPACE_GRID_LOOP(i, std::int64_t(B) * D) {
    const int j = static_cast<int>(i % D), b = static_cast<int>(i / D);
    const int len = lengths[b];
    float s = 0.0f;
    for (int t = 0; t < len; ++t)
      s += alpha[std::int64_t(b) * T + t] * Y[(std::int64_t(b) * T + t) * D + j];
    P[i] = s;
  }
}

// dalpha (B,T) = dP_b . Y_bt on valid frames.

__global__ void attention_dalpha_kernel(const float* __restrict__ Y, const float* __restrict__ dP,
                                        const int* __restrict__ lengths, int B, int T, int D,
                                        float* __restrict__ dalpha) {
  CALMSPACE_GRID_LOOP(bt, std::int64_t(B) * T) {
    const int t = static_cast<int>(bt % T), b = static_cast<int>(bt / T);
    float s = 0.0f;
    if (t < lengths[b])
      for (int j = 0; j < D; ++j) s += dP[std::int64_t(b) * D + j] * Y[bt * D + j];
    dalpha[bt] = s;
  }
}

// One block per clip: de_t = alpha_t (dalpha_t - sum_s alpha_s dalpha_s).

__global__ void attention_de_kernel(const float* __restrict__ alpha,
                                    const float* __restrict__ dalpha,
                                    const int* __restrict__ lengths, int T,
                                    float* __restrict__ de) {
  __shared__ float fshared[kThreads];
  const int b = blockIdx.x;
  const int len = lengths[b];
  const std::int64_t base = std::int64_t(b) * T;
  float local = 0.0f;
  for (int t = threadIdx.x; t < len; t += blockDim.x) local += alpha[base + t] * dalpha[base + t];
  const float dot = block_sum(local, fshared);
  for (int t = threadIdx.x; t < T; t += blockDim.x)
    de[base + t] = t < len ? alpha[base + t] * (dalpha[base + t] - dot) : 0.0f;
}

__global__ void attention_da_kernel(const float* __restrict__ u, const float* __restrict__ de,
                                    const float* __restrict__ v, int B, int T, int A,
                                    float* __restrict__ da) {
  CALMSPACE_GRID_LOOP(i, std::int64_t(B) * T * A) {
    const int a = static_cast<int>(i % A);
    const float x = u[i];  // 0 past the length, where de is 0 as well
    da[i] = de[i / A] * v[a] * (1.0f - x * x);
  }
}

__global__ void attention_dy_kernel(const float* __restrict__ alpha, const float* __restrict__ dP,
                                    int B, int T, int D, float* __restrict__ dY) {
  CALMSPACE_GRID_LOOP(i, std::int64_t(B) * T * D) {
    const int j = static_cast<int>(i % D);
    const std::int64_t bt = i / D;
    const int b = static_cast<int>(bt / T);
    dY[i] = alpha[bt] * dP[std::int64_t(b) * D + j];  // alpha is 0 past the length
  }
}

}  // namespace

void pool_mean_forward(const float* Y, const int* lengths, int B, int T, int D, float* P,
                       cudaStream_t stream) {
  pool_mean_kernel<<<blocks_for(std::int64_t(B) * D), kThreads, 0, stream>>>(Y, lengths, B, T, D,
                                                                             P);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void pool_max_forward(const float* Y, const int* lengths, int B, int T, int D, float* P,
                      int* argmax, cudaStream_t stream) {
  pool_max_kernel<<<blocks_for(std::int64_t(B) * D), kThreads, 0, stream>>>(Y, lengths, B, T, D, P,
                                                                            argmax);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void pool_last_forward(const float* Y, const int* lengths, int B, int T, int D, int H, float* P,
                       cudaStream_t stream) {
  pool_last_kernel<<<blocks_for(std::int64_t(B) * D), kThreads, 0, stream>>>(Y, lengths, B, T, D, H,
                                                                             P);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void pool_mean_backward(const float* dP, const int* lengths, int B, int T, int D, float* dY,
                        cudaStream_t stream) {
  pool_mean_backward_kernel<<<blocks_for(std::int64_t(B) * T * D), kThreads, 0, stream>>>(
      dP, lengths, B, T, D, dY);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void pool_max_backward(const float* dP, const int* argmax, int B, int T, int D, float* dY,
                       cudaStream_t stream) {
  CALMSPACE_CUDA_CHECK(
      cudaMemsetAsync(dY, 0, sizeof(float) * std::size_t(B) * std::size_t(T) * D, stream));
  pool_max_backward_kernel<<<blocks_for(std::int64_t(B) * D), kThreads, 0, stream>>>(dP, argmax, B,
                                                                                     T, D, dY);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void pool_last_backward(const float* dP, const int* lengths, int B, int T, int D, int H, float* dY,
                        cudaStream_t stream) {
  CALMSPACE_CUDA_CHECK(
      cudaMemsetAsync(dY, 0, sizeof(float) * std::size_t(B) * std::size_t(T) * D, stream));
  pool_last_backward_kernel<<<blocks_for(std::int64_t(B) * D), kThreads, 0, stream>>>(
      dP, lengths, B, T, D, H, dY);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void attention_scores(const float* Z, const float* bias, const float* v, const int* lengths, int B,
                      int T, int A, float* u, float* e, cudaStream_t stream) {
  attention_scores_kernel<<<blocks_for(std::int64_t(B) * T), kThreads, 0, stream>>>(
      Z, bias, v, lengths, B, T, A, u, e);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void attention_softmax(const float* e, const int* lengths, int B, int T, float* alpha,
                       cudaStream_t stream) {
  attention_softmax_kernel<<<B, kThreads, 0, stream>>>(e, lengths, T, alpha);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void attention_weighted_sum(const float* Y, const float* alpha, const int* lengths, int B, int T,
                            int D, float* P, cudaStream_t stream) {
  attention_weighted_sum_kernel<<<blocks_for(std::int64_t(B) * D), kThreads, 0, stream>>>(
      Y, alpha, lengths, B, T, D, P);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void attention_backward(const float* Y, const float* u, const float* alpha, const float* v,
                        const float* dP, const int* lengths, int B, int T, int D, int A,
                        float* dalpha_scratch, float* de, float* da, float* dY,
                        cudaStream_t stream) {
  attention_dalpha_kernel<<<blocks_for(std::int64_t(B) * T), kThreads, 0, stream>>>(
      Y, dP, lengths, B, T, D, dalpha_scratch);
  CALMSPACE_CUDA_CHECK_LAUNCH();
  attention_de_kernel<<<B, kThreads, 0, stream>>>(alpha, dalpha_scratch, lengths, T, de);
  CALMSPACE_CUDA_CHECK_LAUNCH();
  attention_da_kernel<<<blocks_for(std::int64_t(B) * T * A), kThreads, 0, stream>>>(u, de, v, B, T,
                                                                                    A, da);
  CALMSPACE_CUDA_CHECK_LAUNCH();
  attention_dy_kernel<<<blocks_for(std::int64_t(B) * T * D), kThreads, 0, stream>>>(alpha, dP, B, T,
                                                                                    D, dY);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

}  // namespace calmspace::cuda::kernels
