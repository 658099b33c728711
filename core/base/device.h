// Where work runs: the device strings of the config (train.device, features.device) parsed and
// resolved in one place, for every stage's factory.
//   auto | cpu | cuda | cuda:N   (auto = this process's GPU, cuda:0 unless an MPI rank's slot says
//                                 otherwise, when the CUDA library loads and its runtime sees a
//                                 GPU, else cpu; core/gpu_runtime.h)
#pragma once

#include <string>

#include "core/base/options.h"

namespace calmspace {

// A parsed device string. InputError naming `key` when the text is not auto, cpu, cuda, cuda:N.
struct DeviceSpec {
  enum class Kind { Auto, Cpu, Cuda } kind = Kind::Auto;
  int index = kProcessGpu;  // cuda:N; auto and a bare cuda: this process's GPU (set_gpu_slot)
  static constexpr int kProcessGpu = -1;
};
DeviceSpec parse_device(const std::string& text, const std::string& key = "train.device");

// The decision: where the model runs and why (logged by the trainer).
struct ResolvedDevice {
  bool cuda = false;
  int index = 0;
  std::string description;  // e.g. "cuda:0 (auto: NVIDIA H100 80GB HBM3)", "cpu (auto: ...)"
};
// cpu -> cpu; cuda[:N] -> cuda or an InputError naming train.device and the runtime's reason;
// auto -> this process's GPU (below) when usable, else cpu with the reason in the description.
ResolvedDevice resolve_device(const std::string& text, const std::string& key = "train.device");

// Which GPU auto and cuda (no index) mean in this process: GPU `local_rank` mod the number
// visible, 0 until set. tools/job.cpp sets it to the rank's position on its machine, so that the
// ranks of an MPI job sharing a machine with several GPUs spread over them (with one GPU they
// share it). cuda:N always means GPU N.
void set_gpu_slot(int local_rank);

// GPU math of the recurrent layers (cuDNN mathType) and of the pooling / head GEMMs (cuBLAS):
//   fp32  strict FP32 (CUDNN_FMA_MATH, no tensor cores), the reference
//   tf32  TF32 tensor cores allowed (CUDNN_DEFAULT_MATH on sm_80+, CUBLAS_TF32_TENSOR_OP_MATH)
//   fp16  FP32 tensors, cuDNN may convert to FP16 for tensor cores
//         (CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION); FP32 accumulation and weights
//   bf16  not implemented by the cuDNN backend (an InputError naming train.precision)
enum class Precision { Fp32, Tf32, Fp16, Bf16 };

inline const EnumTable<Precision>& precision_table() {
  static const EnumTable<Precision> t = {{"fp32", Precision::Fp32},
                                         {"tf32", Precision::Tf32},
                                         {"fp16", Precision::Fp16},
                                         {"bf16", Precision::Bf16}};
  return t;
}

// What the config asks for: the device text and the precision.
struct ComputeOptions {
  std::string device = "auto";
  Precision precision = Precision::Fp32;
};

}  // namespace calmspace
