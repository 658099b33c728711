#include "core/base/gpu_runtime.h"

#include <dlfcn.h>

#include <atomic>
#include <mutex>

#include "core/base/gpu_plugin.h"

namespace calmspace {
namespace {

std::atomic<GpuRuntimeReport (*)()> registered{nullptr};

}  // namespace

void register_gpu_runtime(GpuRuntimeReport (*query)()) {
  registered = query;
}

const GpuRuntimeReport& gpu_runtime_report() {
  static std::once_flag once;
  static GpuRuntimeReport report;
  std::call_once(once, [] {
    const std::string& why = load_gpu_plugin();
    if (auto* query = registered.load()) {
      report = query();
    } else {
      report.no_gpu_reason = why.empty() ? "the CUDA library registered no runtime query" : why;
    }
  });
  return report;
}

const std::string& gpu_unavailable_reason() {
  static std::once_flag once;
  static std::string reason;
  std::call_once(once, [] {
    // The driver library is what every CUDA program needs first; without it no GPU can run.
    if (void* driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL)) {
      dlclose(driver);
      const GpuRuntimeReport& report = gpu_runtime_report();
      if (!report.has_gpu()) reason = report.no_gpu_reason;
    } else {
      reason = std::string("no NVIDIA driver on this machine (") + dlerror() + ")";
    }
  });
  return reason;
}

}  // namespace calmspace
