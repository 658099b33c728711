// Device choice and the model factory (backend.h); the GPU hooks (backend_registry.h).
#include "core/model/backend.h"

#include <cctype>
#include <optional>

#include "core/error.h"
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
  return hooks_slot() ? &*hooks_slot() : nullptr;
}

DeviceSpec parse_device(const std::string& text, const std::string& key) {
  DeviceSpec spec;
  if (text == "auto") return spec;
  if (text == "cpu") {
    spec.kind = DeviceSpec::Kind::Cpu;
    return spec;
  }
  if (text == "cuda" || text.rfind("cuda:", 0) == 0) {
    spec.kind = DeviceSpec::Kind::Cuda;
    if (text.size() > 5) {
      const std::string digits = text.substr(5);
      bool ok = digits.size() <= 4;
      for (char c : digits) ok = ok && std::isdigit(static_cast<unsigned char>(c));
      if (!ok) throw InputError(key, cat("'", text, "': the GPU index must be a number (cuda:0)"));
      spec.index = std::stoi(digits);
    } else if (text.size() == 5) {
      throw InputError(key, "'cuda:' needs a GPU index (cuda:0)");
    }
    return spec;
  }
  throw InputError(key, cat("'", text, "' is not one of auto, cpu, cuda, cuda:N"));
}

ResolvedDevice resolve_device(const std::string& text, const std::string& key) {
  const DeviceSpec spec = parse_device(text, key);
  ResolvedDevice out;
  if (spec.kind == DeviceSpec::Kind::Cpu) {
    out.description = "cpu";
    return out;
  }
  const GpuBackendHooks* gpu = registered_gpu_backend();
  std::string reason;
  int count = 0;
  if (!gpu)
    reason = "this program registered no CUDA backend (calmspace::cuda::register_backends())";
  else
    count = gpu->probe(reason);
  if (spec.kind == DeviceSpec::Kind::Auto) {
    if (count > 0) {
      out.cuda = true;
      out.description = cat("cuda:0 (auto: ", gpu->device_name(0), ")");
    } else {
      out.description = cat("cpu (auto: ", reason, ")");
    }
    return out;
  }
  if (count == 0) throw InputError(key, cat("'", text, "' asks for a GPU, but ", reason));
  if (spec.index >= count)
    throw InputError(key, cat("'", text, "': only ", count, " GPU", count == 1 ? "" : "s",
                              " visible (cuda:0", count > 1 ? cat("..cuda:", count - 1) : "", ")"));
  out.cuda = true;
  out.index = spec.index;
  out.description = cat("cuda:", spec.index, " (", gpu->device_name(spec.index), ")");
  return out;
}

std::unique_ptr<SequenceModel> make_sequence_model(const ModelOptions& options, int input_dim,
                                                   int num_classes, std::uint64_t seed,
                                                   const ComputeOptions& compute) {
  const ResolvedDevice where = resolve_device(compute.device);
  if (!where.cuda) return make_cpu_sequence_model(options, input_dim, num_classes, seed);
  return registered_gpu_backend()->make_model(options, input_dim, num_classes, seed, where.index,
                                              compute.precision);
}

}  // namespace calmspace
