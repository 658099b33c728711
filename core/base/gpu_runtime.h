// The GPU side of this program, as the CUDA library reports it: runtime, driver, cuDNN and cuFFT
// versions and the visible GPUs, or why there are none. The CUDA library is a shared library
// loaded on first use (gpu_plugin.h), so asking loads it; a CPU-only run never does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace calmspace {

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

struct GpuRuntimeReport {
  bool compiled = false;          // this build contains the CUDA library
  int runtime_version = 0;        // e.g. 13000 for CUDA 13.0; 0 when unknown
  int driver_version = 0;         // 0 when no driver is installed
  std::size_t cudnn_version = 0;  // cudnnGetVersion(), e.g. 91900
  int cufft_version = 0;
  std::vector<GpuInfo> gpus;
  std::string no_gpu_reason;  // empty when gpus is not empty

  bool has_gpu() const { return !gpus.empty(); }
};

// Loads the CUDA library when needed and asks it (once per process: the answer is kept).
const GpuRuntimeReport& gpu_runtime_report();

// Why no GPU can be used here, or "" when one can: what device "auto" and "cuda" go by. Cheap on
// a machine without an NVIDIA driver (no libcuda.so.1): the CUDA library is not even loaded.
const std::string& gpu_unavailable_reason();

// Called by the CUDA library as it loads.
void register_gpu_runtime(GpuRuntimeReport (*query)());

}  // namespace calmspace
