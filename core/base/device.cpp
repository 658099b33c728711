#include "core/base/device.h"

#include <cctype>

#include "core/base/error.h"
#include "core/base/gpu_runtime.h"

namespace calmspace {

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
  const std::string& reason = gpu_unavailable_reason();
  const std::vector<GpuInfo> none;
  const std::vector<GpuInfo>& gpus = reason.empty() ? gpu_runtime_report().gpus : none;
  const int count = static_cast<int>(gpus.size());
  if (spec.kind == DeviceSpec::Kind::Auto) {
    if (count > 0) {
      out.cuda = true;
      out.description = cat("cuda:0 (auto: ", gpus[0].name, ")");
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
  out.description =
      cat("cuda:", spec.index, " (", gpus[static_cast<std::size_t>(spec.index)].name, ")");
  return out;
}

}  // namespace calmspace
