// PyTorch-style initialisation of the flat parameter buffer (layout in sequence_model.h):
// recurrent weights and biases uniform in +-1/sqrt(H) (nn.RNN/LSTM/GRU.reset_parameters);
// head and attention tensors uniform in +-1/sqrt(fan_in) (fan_in = D, or A for attention.v).
// Options: model.recurrent_init=orthogonal replaces each gate's (H, H) block of weight_hh with a
// random orthogonal matrix; model.forget_bias is added to the LSTM forget-gate rows of bias_ih.
// Drawn from splitmix64 of (seed, index), so any backend gets identical bits.
#pragma once

#include <cstdint>
#include <span>

#include "core/config/model_options.h"

namespace calmspace {

void init_parameters(const ModelOptions& options, int input_dim, int num_classes,
                     std::uint64_t seed, std::span<float> weights);

}  // namespace calmspace
