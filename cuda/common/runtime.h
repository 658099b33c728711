// Host-facing CUDA API: no CUDA types, so any translation unit may include it. Built from cuda/*.cu
// when a toolkit is found, from cuda/stub/ otherwise (then every query reports "built without
// CUDA"). Nothing here throws when no GPU is present: absence is a state, reported with a reason.
#pragma once

#include <vector>

#include "core/base/gpu_runtime.h"

namespace calmspace::cuda {

// The report's types live in core (core/gpu_runtime.h), which reaches this library only through
// what it registers when it loads.
using GpuInfo = calmspace::GpuInfo;
using RuntimeReport = calmspace::GpuRuntimeReport;

// Queries the CUDA runtime, driver, cuDNN and cuFFT versions and every visible GPU.
RuntimeReport query_runtime();

// A checked end-to-end round trip on GPU `device`: copies `values` to the device, runs a kernel
// computing a*x+b element-wise, copies back. Proves the toolchain, runtime and launch checks work.
std::vector<float> affine_on_gpu(const std::vector<float>& values, float a, float b,
                                 int device = 0);

}  // namespace calmspace::cuda
