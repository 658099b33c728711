// Kernels of the cuDNN backend (declarations, shapes and references: model_kernels.h).
#include <cfloat>

#include "cuda/check.h"
#include "cuda/model_kernels.h"

namespace calmspace::cuda::kernels {
namespace {

constexpr int kThreads = 256;

inline int blocks_for(std::int64_t n) {
  const std::int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<int>(b < 1 ? 1 : (b > 65535 * 8 ? 65535 * 8 : b));
}

// Grid-stride loop over [0, n).
#define CALMSPACE_GRID_LOOP(i, n)                                                     \
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < (n); \
       i += std::int64_t(gridDim.x) * blockDim.x)

// Tree sum of one value per thread over a block of kThreads threads (fixed order). All threads
// get the result.
template <class S>
__device__ S block_sum(S value, S* shared) {
  shared[threadIdx.x] = value;
  __syncthreads();
  for (int stride = kThreads / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) shared[threadIdx.x] += shared[threadIdx.x + stride];
    __syncthreads();
  }
  const S out = shared[0];
  __syncthreads();
  return out;
}

__device__ float block_max(float value, float* shared) {
  shared[threadIdx.x] = value;
  __syncthreads();
  for (int stride = kThreads / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride)
      shared[threadIdx.x] = fmaxf(shared[threadIdx.x], shared[threadIdx.x + stride]);
    __syncthreads();
  }
  const float out = shared[0];
  __syncthreads();
  return out;
}

__global__ void copy_segments_kernel(const float* __restrict__ src, float* __restrict__ dst,
                                     const Segment* __restrict__ segments, bool accumulate) {
  const Segment s = segments[blockIdx.y];
  CALMSPACE_GRID_LOOP(i, s.count) {
    const float x = src[s.src + i];
    dst[s.dst + i] = accumulate ? dst[s.dst + i] + x : x;
  }
}

__global__ void normalise_kernel(const float* __restrict__ raw, const int* __restrict__ lengths,
                                 const float* __restrict__ mean, const float* __restrict__ inv_std,
                                 bool normalise, int B, int T, int F, float* __restrict__ out) {
  CALMSPACE_GRID_LOOP(i, std::int64_t(B) * T * F) {
    const int f = static_cast<int>(i % F);
    const std::int64_t bt = i / F;
    const int t = static_cast<int>(bt % T);
    const int b = static_cast<int>(bt / T);
    float x = 0.0f;
    if (t < lengths[b]) x = normalise ? (raw[i] - mean[f]) * inv_std[f] : raw[i];
    out[i] = x;
  }
}

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

__global__ void norm_partials_kernel(const float* __restrict__ g, std::int64_t n,
                                     double* __restrict__ partials) {
  __shared__ double dshared[kThreads];
  double s = 0;
  CALMSPACE_GRID_LOOP(i, n) {
    const double x = g[i];
    s += x * x;
  }
  const double total = block_sum(s, dshared);
  if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

__global__ void norm_finish_kernel(const double* __restrict__ partials, double max_norm,
                                   double* __restrict__ coef,
                                   StepTotalsDevice* __restrict__ totals) {
  __shared__ double dshared[kThreads];
  double s = 0;
  for (int i = threadIdx.x; i < kNormBlocks; i += blockDim.x) s += partials[i];
  const double norm = sqrt(block_sum(s, dshared));
  if (threadIdx.x == 0) {
    totals->grad_norm_sum += norm;
    double c = 1.0;
    if (max_norm > 0) {
      const double k = max_norm / (norm + 1e-6);
      if (k < 1.0) c = k;
    }
    *coef = c;
  }
}

__global__ void adam_kernel(float* __restrict__ w, float* __restrict__ g, float* __restrict__ m,
                            float* __restrict__ v, std::int64_t n, const double* __restrict__ coef,
                            AdamScalars s) {
  const double k = *coef;
  CALMSPACE_GRID_LOOP(i, n) {
    float gi = g[i];
    if (k < 1.0) {
      gi = static_cast<float>(gi * k);
      g[i] = gi;
    }
    const float grad = gi + s.l2 * w[i];
    float wi = w[i] * s.decay;
    const float mi = s.b1 * m[i] + (1.0f - s.b1) * grad;
    const float vi = s.b2 * v[i] + (1.0f - s.b2) * grad * grad;
    wi -= s.step_size * mi / (sqrtf(vi) * s.inv_sqrt_bc2 + s.eps);
    m[i] = mi;
    v[i] = vi;
    w[i] = wi;
  }
}

}  // namespace

void copy_segments(const float* src, float* dst, const Segment* segments, int n, bool accumulate,
                   cudaStream_t stream) {
  if (n == 0) return;
  copy_segments_kernel<<<dim3(64, n), kThreads, 0, stream>>>(src, dst, segments, accumulate);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void normalise_input(const float* raw, const int* lengths, const float* mean, const float* inv_std,
                     bool normalise, int B, int T, int F, float* out, cudaStream_t stream) {
  normalise_kernel<<<blocks_for(std::int64_t(B) * T * F), kThreads, 0, stream>>>(
      raw, lengths, mean, inv_std, normalise, B, T, F, out);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

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

void gradient_norm(const float* g, std::int64_t n, double max_norm, double* partials, double* coef,
                   StepTotalsDevice* totals, cudaStream_t stream) {
  norm_partials_kernel<<<kNormBlocks, kThreads, 0, stream>>>(g, n, partials);
  CALMSPACE_CUDA_CHECK_LAUNCH();
  norm_finish_kernel<<<1, kThreads, 0, stream>>>(partials, max_norm, coef, totals);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

void adam_update(float* w, float* g, float* m, float* v, std::int64_t n, const double* coef,
                 const AdamScalars& s, cudaStream_t stream) {
  adam_kernel<<<blocks_for(n), kThreads, 0, stream>>>(w, g, m, v, n, coef, s);
  CALMSPACE_CUDA_CHECK_LAUNCH();
}

}  // namespace calmspace::cuda::kernels
