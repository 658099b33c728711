// The hook through which the CUDA library (cuda/register.h) offers its backends to core/ without
// core linking it. A program calls calmspace::cuda::register_backends() once at start (the stub
// build registers a backend that explains it has no CUDA); until then only the CPU exists.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/model/backend.h"

namespace calmspace {

class TrainingStep;
struct TrainStepConfig;

struct GpuBackendHooks {
  // Number of usable GPUs; when 0, `reason` says why (the runtime's words).
  int (*probe)(std::string& reason) = nullptr;
  // A one-line name of GPU `index` for logs ("NVIDIA H100 80GB HBM3").
  std::string (*device_name)(int index) = nullptr;
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
// nullptr until a backend registered.
const GpuBackendHooks* registered_gpu_backend();

}  // namespace calmspace
