// Offsets of every parameter tensor in the flat buffer (see sequence_model.h for the layout), so
// the backends address weights by role instead of by name.
#pragma once

#include <cstdint>
#include <vector>

#include "core/model/sequence_model.h"

namespace calmspace {

// One recurrent layer and direction: weight_ih (G*H, in), weight_hh (G*H, H), bias_ih (G*H),
// bias_hh (G*H), gates in cuDNN / PyTorch order.
struct RnnParamOffsets {
  std::int64_t w_ih = 0, w_hh = 0, b_ih = 0, b_hh = 0;
  int input = 0;  // in_l
};

// One block of the convolutional front-end (conv_frontend.h): weight (C_out, C_in, kt, kf),
// bias (C_out), LayerNorm gamma and beta (C_out, F_out) or -1 without conv_layer_norm.
struct ConvParamOffsets {
  std::int64_t w = 0, b = 0, gamma = -1, beta = -1;
};

struct ModelParamIndex {
  std::vector<ConvParamOffsets> conv;               // per front-end block
  std::vector<RnnParamOffsets> rnn;                 // index layer * directions + direction
  std::vector<std::int64_t> norm_w, norm_b;         // per layer (D) gamma, beta; layer_norm only
  std::int64_t att_w = -1, att_b = -1, att_v = -1;  // attention pooling only
  std::int64_t head_w = 0, head_b = 0;
  std::int64_t total = 0;

  const RnnParamOffsets& at(int layer, int direction, int directions) const {
    return rnn[static_cast<std::size_t>(layer) * directions + direction];
  }
};

// Built from parameter_layout(); the order is checked there.
ModelParamIndex make_param_index(const ModelOptions& options, int input_dim, int num_classes);

}  // namespace calmspace
