// Device choice and the model factory (backend.h); the GPU hooks (backend_registry.h).
#include "core/model/backend.h"

#include <optional>

#include "core/base/error.h"
#include "core/base/gpu_plugin.h"
#include "core/model/backend_registry.h"

namespace calmspace {
namespace {

std::optional<GpuBackendHooks>& hooks_slot() {
  static std::optional<GpuBackendHooks> hooks;
  return hooks;
}

}  // namespace

void register_gpu_backend(const GpuBackendHooks& hooks) {
  hooks_slot() = hooks;
}

const GpuBackendHooks* registered_gpu_backend() {
  if (!hooks_slot()) load_gpu_plugin();  // registers the hooks when it loads
  return hooks_slot() ? &*hooks_slot() : nullptr;
}

ResolvedDevice resolve_model_device(const ModelOptions& options, const std::string& device) {
  ResolvedDevice where = resolve_device(device);
  const std::string why = options.cuda_unsupported_reason();
  if (!where.cuda || why.empty()) return where;
  if (parse_device(device).kind != DeviceSpec::Kind::Auto)
    throw InputError("train.device",
                     cat("'", device, "' cannot run this model: ", why, "; use train.device=cpu"));
  return {false, 0, cat("cpu (auto: ", why, ")")};
}

std::unique_ptr<SequenceModel> make_sequence_model(const ModelOptions& options, int input_dim,
                                                   int num_classes, std::uint64_t seed,
                                                   const ComputeOptions& compute) {
  const ResolvedDevice where = resolve_model_device(options, compute.device);
  if (!where.cuda) return make_cpu_sequence_model(options, input_dim, num_classes, seed);
  const GpuBackendHooks* gpu = registered_gpu_backend();
  if (!gpu || !gpu->make_model)
    throw InputError("train.device", "the CUDA library registered no model backend");
  return gpu->make_model(options, input_dim, num_classes, seed, where.index, compute.precision);
}

}  // namespace calmspace
