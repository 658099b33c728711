#include "core/gpu_runtime.h"

#include <atomic>
#include <mutex>

#include "core/gpu_plugin.h"

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

}  // namespace calmspace
