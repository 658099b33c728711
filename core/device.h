// Where work runs: the device strings of the config (train.device, features.device) parsed and
// resolved in one place, for every stage's factory.
//   auto | cpu | cuda | cuda:N   (auto = cuda:0 when the CUDA library loads and its runtime sees
//                                 a GPU, else cpu; core/gpu_runtime.h)
#pragma once

#include <string>

namespace calmspace {

// A parsed device string. InputError naming `key` when the text is not auto, cpu, cuda, cuda:N.
struct DeviceSpec {
  enum class Kind { Auto, Cpu, Cuda } kind = Kind::Auto;
  int index = 0;  // cuda:N
};
DeviceSpec parse_device(const std::string& text, const std::string& key = "train.device");

// The decision: where the model runs and why (logged by the trainer).
struct ResolvedDevice {
  bool cuda = false;
  int index = 0;
  std::string description;  // e.g. "cuda:0 (auto: NVIDIA H100 80GB HBM3)", "cpu (auto: ...)"
};
// cpu -> cpu; cuda[:N] -> cuda or an InputError naming train.device and the runtime's reason;
// auto -> cuda:0 when usable, else cpu with the reason in the description.
ResolvedDevice resolve_device(const std::string& text, const std::string& key = "train.device");

}  // namespace calmspace
