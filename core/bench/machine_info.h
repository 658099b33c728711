// The machine record written into every benchmark result (Google Benchmark context, bench.json):
// host name, OS, CPU model and logical CPU count, the thread count the run used, the CUDA
// runtime/driver/cuDNN/cuFFT versions and GPUs (or why there is none), compiler, build type and
// the git revision of the source tree (with a dirty flag).
// The caller passes gpu_runtime_report() (core/gpu_runtime.h), which loads the CUDA library.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/base/gpu_runtime.h"

namespace calmspace {

// {"compiled", "runtime_version" "13.0", "driver_version", "cudnn_version" "9.19.0",
//  "cufft_version", "gpus": [{"name", "compute_capability", "memory_gib", "bandwidth_gbs", ...}],
//  "no_gpu_reason"}
nlohmann::json runtime_record(const GpuRuntimeReport& report);

// {"host", "os", "cpu", "logical_cpus", "threads", "compiler", "build_type", "git_revision",
//  "git_dirty", "date_utc", "cuda": runtime_record(report)}
nlohmann::json machine_record(int threads, const GpuRuntimeReport& report);

// "abc123..." (+ "-dirty" when the tree has uncommitted changes) of the source tree this binary
// was built from, or "unknown (...)" when git or the tree is not available; $CALMSPACE_GIT_REVISION
// overrides it (binaries run away from their checkout).
std::string git_revision(bool* dirty = nullptr);

// "13.0" from 13000; "9.19.0" from 91900; "" from 0.
std::string cuda_version_string(int version);
std::string cudnn_version_string(std::size_t version);

}  // namespace calmspace
