// Compiled instead of cuda/register.cpp when CMake found no CUDA toolkit: the registered backend
// reports that this build has no CUDA, so train.device=auto picks the CPU and cuda is an error.
#include "core/base/error.h"
#include "core/model/backend_registry.h"
#include "cuda/common/runtime.h"
#include "cuda/features/feature_extractor_cuda.h"
#include "cuda/register.h"

namespace calmspace::cuda {
namespace {

constexpr const char* kReason =
    "this build of CalmSpace has no CUDA support (no CUDA toolkit at configure time)";

std::unique_ptr<SequenceModel> make_model(const ModelOptions&, int, int, std::uint64_t, int,
                                          Precision) {
  throw Error(kReason);
}

}  // namespace

void register_backends() {
  register_gpu_runtime(query_runtime);
  register_gpu_feature_backend(make_cuda_feature_extractor);
  GpuBackendHooks hooks;
  hooks.make_model = make_model;
  register_gpu_backend(hooks);
}

}  // namespace calmspace::cuda

extern "C" void calmspace_cuda_library_init() {
  calmspace::cuda::register_backends();
}
