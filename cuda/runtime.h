// Host-facing CUDA API: no CUDA types, so any translation unit may include it. Built from cuda/*.cu
// when a toolkit is found, from cuda/stub/ otherwise (then every query reports "built without
// CUDA"). Nothing here throws when no GPU is present: absence is a state, reported with a reason.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace calmspace::cuda {

struct GpuInfo {
  int index = 0;
  std::string name;
  int compute_major = 0;
  int compute_minor = 0;
  int multiprocessors = 0;
  std::int64_t memory_bytes = 0;
  std::int64_t l2_bytes = 0;
  double memory_bandwidth_gbs = 0;  // theoretical peak (bus width x memory clock x 2)
};

struct RuntimeReport {
  bool compiled = false;          // this build contains the CUDA library
  int runtime_version = 0;        // e.g. 13000 for CUDA 13.0; 0 when unknown
  int driver_version = 0;         // 0 when no driver is installed
  std::size_t cudnn_version = 0;  // cudnnGetVersion(), e.g. 91900
  int cufft_version = 0;
  std::vector<GpuInfo> gpus;
  std::string no_gpu_reason;  // empty when gpus is not empty

  bool has_gpu() const { return !gpus.empty(); }
};

// Queries the CUDA runtime, driver, cuDNN and cuFFT versions and every visible GPU.
RuntimeReport query_runtime();

// A checked end-to-end round trip on GPU `device`: copies `values` to the device, runs a kernel
// computing a*x+b element-wise, copies back. Proves the toolchain, runtime and launch checks work.
std::vector<float> affine_on_gpu(const std::vector<float>& values, float a, float b,
                                 int device = 0);

}  // namespace calmspace::cuda
