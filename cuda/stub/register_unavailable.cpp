// Compiled instead of cuda/register.cpp when CMake found no CUDA toolkit: the registered backend
// reports that this build has no CUDA, so train.device=auto picks the CPU and cuda is an error.
#include "core/error.h"
#include "core/model/backend_registry.h"
#include "cuda/register.h"

namespace calmspace::cuda {
namespace {

constexpr const char* kReason =
    "this build of CalmSpace has no CUDA support (no CUDA toolkit at configure time)";

int probe(std::string& reason) {
  reason = kReason;
  return 0;
}

std::string device_name(int) {
  return "none";
}

std::unique_ptr<SequenceModel> make_model(const ModelOptions&, int, int, std::uint64_t, int,
                                          Precision) {
  throw Error(kReason);
}

}  // namespace

void register_backends() {
  GpuBackendHooks hooks;
  hooks.probe = probe;
  hooks.device_name = device_name;
  hooks.make_model = make_model;
  register_gpu_backend(hooks);
}

}  // namespace calmspace::cuda
