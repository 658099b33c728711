// Runtime, library and GPU query. Absence of a driver or device is a reported state, not an error.
#include <cuda_runtime.h>
#include <cudnn.h>
#include <cufft.h>

#include "cuda/common/check.h"
#include "cuda/common/runtime.h"

namespace calmspace::cuda {
namespace {

int attribute(cudaDeviceAttr attr, int device) {
  int value = 0;
  CALMSPACE_CUDA_CHECK(cudaDeviceGetAttribute(&value, attr, device));
  return value;
}

GpuInfo describe(int device) {
  cudaDeviceProp prop{};
  CALMSPACE_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  GpuInfo info;
  info.index = device;
  info.name = prop.name;
  info.compute_major = prop.major;
  info.compute_minor = prop.minor;
  info.multiprocessors = prop.multiProcessorCount;
  info.memory_bytes = static_cast<std::int64_t>(prop.totalGlobalMem);
  info.l2_bytes = prop.l2CacheSize;
  const double clock_khz = attribute(cudaDevAttrMemoryClockRate, device);
  const double bus_bits = attribute(cudaDevAttrGlobalMemoryBusWidth, device);
  info.memory_bandwidth_gbs = 2.0 * clock_khz * 1e3 * (bus_bits / 8.0) / 1e9;  // DDR: x2
  return info;
}

}  // namespace

RuntimeReport query_runtime() {
  RuntimeReport report;
  report.compiled = true;
  cudaRuntimeGetVersion(&report.runtime_version);
  cudaDriverGetVersion(&report.driver_version);  // 0 when no driver is installed
  report.cudnn_version = cudnnGetVersion();
  cufftGetVersion(&report.cufft_version);
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls start clean
    report.no_gpu_reason = std::string("no usable GPU: ") + cudaGetErrorName(status) + " (" +
                           cudaGetErrorString(status) + ")";
    return report;
  }
  if (count == 0) {
    report.no_gpu_reason = "no usable GPU: the CUDA runtime sees no device";
    return report;
  }
  for (int d = 0; d < count; ++d) report.gpus.push_back(describe(d));
  return report;
}

}  // namespace calmspace::cuda
