// The hook through which the CUDA library (cuda/register.h) offers its model backends to core/
// without core linking it: the library registers it when it loads (core/gpu_plugin.h), which
// registered_gpu_backend() makes happen on first use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/model/backend.h"

namespace calmspace {

class TrainingStep;
struct TrainStepConfig;

struct GpuBackendHooks {
  // A cuDNN SequenceModel on GPU `index`; InputError naming train.precision if unsupported.
  std::unique_ptr<SequenceModel> (*make_model)(const ModelOptions& options, int input_dim,
                                               int num_classes, std::uint64_t seed, int index,
                                               Precision precision) = nullptr;
  // A device-resident training step for a model this backend made; nullptr for other models.
  std::unique_ptr<TrainingStep> (*make_training_step)(SequenceModel& model,
                                                      const TrainStepConfig& config) = nullptr;
};

// Replaces the registered hooks (the last registration wins).
void register_gpu_backend(const GpuBackendHooks& hooks);
// Loads the CUDA library if nothing registered yet; nullptr when none could register.
const GpuBackendHooks* registered_gpu_backend();

}  // namespace calmspace
