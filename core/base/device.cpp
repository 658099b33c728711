#include "core/base/device.h"

#include <atomic>
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

namespace {
std::atomic<int> gpu_slot{0};  // set_gpu_slot
}  // namespace

void set_gpu_slot(int local_rank) {
  CALMSPACE_CHECK(local_rank >= 0, "a GPU slot is a rank's position on its machine, not ",
                  local_rank);
  gpu_slot = local_rank;
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
  // auto and a bare cuda: this process's GPU; cuda:N: GPU N.
  const int index =
      spec.index == DeviceSpec::kProcessGpu && count > 0 ? gpu_slot % count : spec.index;
  if (spec.kind == DeviceSpec::Kind::Auto) {
    if (count > 0) {
      out.cuda = true;
      out.index = index;
      out.description =
          cat("cuda:", out.index, " (auto: ", gpus[static_cast<std::size_t>(out.index)].name, ")");
    } else {
      out.description = cat("cpu (auto: ", reason, ")");
    }
    return out;
  }
  if (count == 0) throw InputError(key, cat("'", text, "' asks for a GPU, but ", reason));
  if (index >= count)
    throw InputError(key, cat("'", text, "': only ", count, " GPU", count == 1 ? "" : "s",
                              " visible (cuda:0", count > 1 ? cat("..cuda:", count - 1) : "", ")"));
  out.cuda = true;
  out.index = index;
  out.description =
      cat("cuda:", out.index, " (", gpus[static_cast<std::size_t>(out.index)].name, ")");
  return out;
}

}  // namespace calmspace
