// Compiled instead of cuda/features/feature_extractor_cuda.cpp when CMake found no CUDA toolkit:
// the same factories; bad options are still reported by name, then the build's lack of CUDA.
#include "core/base/error.h"
#include "cuda/features/feature_extractor_cuda.h"

namespace calmspace {

std::unique_ptr<CudaFeatureExtractor> CudaFeatureExtractor::create(const FeatureOptions& options,
                                                                   int sample_rate, int) {
  if (sample_rate < 1) throw InputError("audio.sample_rate", "must be >= 1");
  options.validate(sample_rate);
  throw Error(
      "CUDA feature extractor: this build of CalmSpace has no CUDA support (built without "
      "CUDA)");
}

std::unique_ptr<FeatureExtractor> make_cuda_feature_extractor(const FeatureOptions& options,
                                                              int sample_rate, int device) {
  return CudaFeatureExtractor::create(options, sample_rate, device);
}

}  // namespace calmspace
