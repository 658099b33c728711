#include "core/base/gpu_plugin.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include "core/base/error.h"

namespace calmspace {
namespace {

namespace fs = std::filesystem;

#ifdef CALMSPACE_CUDA_LIBRARY_PATH
std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("CALMSPACE_CUDA_LIBRARY"); env && *env) out.emplace_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    out.emplace_back((exe.parent_path() / ".." / "cuda" / CALMSPACE_CUDA_LIBRARY_NAME).string());
  out.emplace_back(CALMSPACE_CUDA_LIBRARY_PATH);
  return out;
}
#endif

std::string load() {
#ifndef CALMSPACE_CUDA_LIBRARY_PATH
  return "this build of CalmSpace has no CUDA support (no CUDA toolkit at configure time)";
#else
  std::string errors;
  for (const std::string& path : candidates()) {
    if (!fs::exists(path)) continue;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      errors += cat(errors.empty() ? "" : "; ", dlerror());
      continue;
    }
    auto* init = reinterpret_cast<void (*)()>(dlsym(handle, "calmspace_cuda_library_init"));
    if (!init)
      return cat(path, " is not CalmSpace's CUDA library (no calmspace_cuda_library_init)");
    init();
    return "";
  }
  return errors.empty() ? cat("the CUDA library ", CALMSPACE_CUDA_LIBRARY_NAME,
                              " was not found (set CALMSPACE_CUDA_LIBRARY to its path)")
                        : cat("the CUDA library could not be loaded: ", errors);
#endif
}

}  // namespace

const std::string& load_gpu_plugin() {
  static std::once_flag once;
  static std::string reason;
  std::call_once(once, [] { reason = load(); });
  return reason;
}

}  // namespace calmspace
