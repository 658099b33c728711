// The real registration: the runtime report, CUDA features, cuDNN models and device training
// steps on the GPUs the runtime sees.
#include "cuda/register.h"

#include "core/model/backend_registry.h"
#include "cuda/common/runtime.h"
#include "cuda/features/feature_extractor_cuda.h"
#include "cuda/model/cudnn_sequence_model.h"
#include "cuda/model/cudnn_training_step.h"

namespace calmspace::cuda {
namespace {

std::unique_ptr<SequenceModel> make_model(const ModelOptions& options, int input_dim,
                                          int num_classes, std::uint64_t seed, int index,
                                          Precision precision) {
  return std::make_unique<CudnnSequenceModel>(options, input_dim, num_classes, seed, index,
                                              precision);
}

std::unique_ptr<TrainingStep> make_training_step(SequenceModel& model,
                                                 const TrainStepConfig& config) {
  auto* cudnn = dynamic_cast<CudnnSequenceModel*>(&model);
  if (!cudnn) return nullptr;
  return std::make_unique<CudnnTrainingStep>(*cudnn, config);
}

}  // namespace

void register_backends() {
  register_gpu_runtime(query_runtime);
  register_gpu_feature_backend(make_cuda_feature_extractor);
  GpuBackendHooks hooks;
  hooks.make_model = make_model;
  hooks.make_training_step = make_training_step;
  register_gpu_backend(hooks);
}

}  // namespace calmspace::cuda

// What core/gpu_plugin.cpp calls after dlopen.
extern "C" void calmspace_cuda_library_init() {
  calmspace::cuda::register_backends();
}
