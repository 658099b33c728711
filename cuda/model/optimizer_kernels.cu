// Gradient norm (clipping) and the Adam/AdamW update (declarations, shapes and references:
// optimizer_kernels.h).
#include <cfloat>

#include "cuda/common/check.h"
#include "cuda/model/kernel_util.cuh"
#include "cuda/model/optimizer_kernels.h"

namespace calmspace::cuda::kernels {
namespace {

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
