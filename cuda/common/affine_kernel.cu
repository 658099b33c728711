// The smallest real kernel: y = a*x + b, grid-stride loop. Used by the gpu smoke test to prove
// that build, launch checks and transfers work end to end on a device.
#include "cuda/common/check.h"
#include "cuda/common/device_buffer.h"
#include "cuda/common/runtime.h"

namespace calmspace::cuda {
namespace {

__global__ void affine_kernel(const float* __restrict__ x, float* __restrict__ y, float a, float b,
                              std::size_t n) {
  for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < n;
       i += std::size_t(gridDim.x) * blockDim.x)
    y[i] = a * x[i] + b;
}

}  // namespace

std::vector<float> affine_on_gpu(const std::vector<float>& values, float a, float b, int device) {
  CALMSPACE_CUDA_CHECK(cudaSetDevice(device));
  DeviceBuffer<float> x(values.size());
  DeviceBuffer<float> y(values.size());
  x.copy_from_host(values.data(), values.size());
  const int threads = 256;
  const int blocks =
      static_cast<int>(std::min<std::size_t>((values.size() + threads - 1) / threads, 4096));
  if (!values.empty()) {
    affine_kernel<<<blocks, threads>>>(x.data(), y.data(), a, b, values.size());
    CALMSPACE_CUDA_CHECK_LAUNCH();
  }
  std::vector<float> out(values.size());
  y.copy_to_host(out.data(), out.size());
  return out;
}

}  // namespace calmspace::cuda
