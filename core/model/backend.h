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

#include "core/device.h"
#include "core/model/sequence_model.h"
#include "core/options.h"

namespace calmspace {

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

// THE factory of the model stage: a CPU or cuDNN SequenceModel with PyTorch-initialised weights
// from `seed` (identical bits on both backends).
std::unique_ptr<SequenceModel> make_sequence_model(const ModelOptions& options, int input_dim,
                                                   int num_classes, std::uint64_t seed,
                                                   const ComputeOptions& compute);

}  // namespace calmspace
