// The real registration: cuDNN models and device training steps on the GPUs the runtime sees.
#include "cuda/register.h"

#include "core/model/backend_registry.h"
#include "cuda/cudnn_sequence_model.h"
#include "cuda/cudnn_training_step.h"
#include "cuda/runtime.h"

namespace calmspace::cuda {
namespace {

int probe(std::string& reason) {
  const RuntimeReport report = query_runtime();
  reason = report.no_gpu_reason;
  return static_cast<int>(report.gpus.size());
}

std::string device_name(int index) {
  const RuntimeReport report = query_runtime();
  if (index < 0 || index >= static_cast<int>(report.gpus.size())) return "?";
  return report.gpus[static_cast<std::size_t>(index)].name;
}

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
  GpuBackendHooks hooks;
  hooks.probe = probe;
  hooks.device_name = device_name;
  hooks.make_model = make_model;
  hooks.make_training_step = make_training_step;
  register_gpu_backend(hooks);
}

}  // namespace calmspace::cuda
