// Where a model runs, chosen in exactly one place (make_sequence_model):
//   train.device    auto | cpu | cuda | cuda:N   (core/device.h: auto = cuda:0 when the CUDA
//                   library loads and its runtime sees a GPU, else cpu)
//   train.precision fp32 | tf32 | fp16 | bf16    (GPU math; the CPU backend is always fp32)
// The CUDA library registers its backend when it loads (core/gpu_plugin.h); core/ never links
// cuda/, it only sees the hooks in backend_registry.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/base/device.h"
#include "core/model/sequence_model.h"

namespace calmspace {

// Where a model with these options runs: resolve_device(device), except that `auto` keeps a
// model the cuDNN backend cannot run (ModelOptions::cuda_unsupported_reason) on the CPU, with
// the reason in the description, and an explicit cuda device is an InputError naming
// train.device.
ResolvedDevice resolve_model_device(const ModelOptions& options, const std::string& device);

// THE factory of the model stage: a CPU or cuDNN SequenceModel with PyTorch-initialised weights
// from `seed` (identical bits on both backends).
std::unique_ptr<SequenceModel> make_sequence_model(const ModelOptions& options, int input_dim,
                                                   int num_classes, std::uint64_t seed,
                                                   const ComputeOptions& compute);

}  // namespace calmspace
