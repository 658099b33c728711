// Compiled instead of cuda/*.cu when CMake found no CUDA toolkit: same API, reporting absence.
#include "core/base/error.h"
#include "cuda/common/runtime.h"

namespace calmspace::cuda {

RuntimeReport query_runtime() {
  RuntimeReport report;
  report.no_gpu_reason =
      "this build of CalmSpace has no CUDA support (no CUDA toolkit at configure time)";
  return report;
}

std::vector<float> affine_on_gpu(const std::vector<float>&, float, float, int) {
  throw Error("affine_on_gpu: this build of CalmSpace has no CUDA support");
}

}  // namespace calmspace::cuda
