// Shared helpers for the model tests: option grids, seeded random batches and weights (one host
// RNG: support/test_support.h white_noise), conversions between the float backend and the
// double reference.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/base/tensor.h"
#include "core/config/model_options.h"
#include "core/model/reference_model.h"
#include "core/model/sequence_model.h"
#include "support/test_support.h"

namespace calmspace::testing {

inline std::string cell_name(CellKind c) {
  switch (c) {
    case CellKind::RnnTanh:
      return "rnn_tanh";
    case CellKind::RnnRelu:
      return "rnn_relu";
    case CellKind::Lstm:
      return "lstm";
    case CellKind::Gru:
      return "gru";
  }
  return "?";
}
inline std::string pool_name(PoolingKind p) {
  switch (p) {
    case PoolingKind::Mean:
      return "mean";
    case PoolingKind::Max:
      return "max";
    case PoolingKind::Last:
      return "last";
    case PoolingKind::Attention:
      return "attention";
  }
  return "?";
}

struct ModelCase {
  CellKind cell;
  bool bidirectional;
  int layers;
  PoolingKind pooling;
  bool residual = false;    // model.residual
  bool layer_norm = false;  // model.layer_norm
  // The convolutional front-end (model.frontend = conv): 0 = none, else its conv_stride_time, with
  // 2 blocks of 3 channels, kernels 3 frames x conv_kernel_freq bins, frequency stride
  // conv_stride_freq; GELU instead of ReLU; no norm.
  int conv_stride_time = 0;
  bool gelu = false;
  bool conv_no_norm = false;
  int conv_bypass = 0;  // model.conv_bypass: the last n feature columns skip the convolution
  int conv_kernel_freq = 3, conv_stride_freq = 2;  // model.conv_kernel_freq, conv_stride_freq
  std::string name() const {
    return cell_name(cell) + (bidirectional ? "_bi" : "_uni") + "_l" + std::to_string(layers) +
           "_" + pool_name(pooling) + (residual ? "_res" : "") + (layer_norm ? "_ln" : "") +
           (conv_stride_time > 0 ? "_conv_s" + std::to_string(conv_stride_time) : "") +
           (gelu ? "_gelu" : "") + (conv_no_norm ? "_nonorm" : "") +
           (conv_bypass > 0 ? "_bypass" + std::to_string(conv_bypass) : "") +
           (conv_kernel_freq != 3 || conv_stride_freq != 2
                ? "_kf" + std::to_string(conv_kernel_freq) + "_sf" +
                      std::to_string(conv_stride_freq)
                : "");
  }
};

// Every cell x direction x layers {1, 2} x pooling combination.
inline std::vector<ModelCase> all_model_cases() {
  std::vector<ModelCase> out;
  for (auto c : {CellKind::RnnTanh, CellKind::RnnRelu, CellKind::Lstm, CellKind::Gru})
    for (bool bi : {false, true})
      for (int l : {1, 2})
        for (auto p :
             {PoolingKind::Mean, PoolingKind::Max, PoolingKind::Last, PoolingKind::Attention})
          out.push_back({c, bi, l, p});
  return out;
}

// The stacks between layers (model.residual, model.layer_norm, both) for every cell x direction,
// 2 or 3 layers, with the poolings that read every frame (attention) or one frame (last).
inline std::vector<ModelCase> stack_model_cases() {
  std::vector<ModelCase> out;
  for (auto c : {CellKind::RnnTanh, CellKind::RnnRelu, CellKind::Lstm, CellKind::Gru})
    for (bool bi : {false, true})
      for (auto [res, ln] : {std::pair{true, false}, {false, true}, {true, true}})
        out.push_back({c, bi, res && ln ? 3 : 2,
                       res && !ln ? PoolingKind::Last : PoolingKind::Attention, res, ln});
  return out;
}

// The convolutional front-end under every cell and direction, time strides 1 and 2, ReLU and
// GELU, with and without its norm, under a residual / layer-norm stack, with feature columns
// that bypass the convolution (time strides 1, 2 and 3: the bypass reads every S-th frame), and
// with a (5 wide, stride 3) frequency kernel.
inline std::vector<ModelCase> conv_model_cases() {
  std::vector<ModelCase> out;
  for (auto c : {CellKind::RnnTanh, CellKind::Lstm, CellKind::Gru})
    for (bool bi : {false, true})
      for (int stride : {1, 2}) {
        ModelCase m{c, bi, stride == 1 ? 1 : 2,
                    stride == 1 ? PoolingKind::Attention : PoolingKind::Mean};
        m.conv_stride_time = stride;
        m.gelu = stride == 2;
        out.push_back(m);
      }
  ModelCase plain{CellKind::Lstm, false, 1, PoolingKind::Last};
  plain.conv_stride_time = 3;
  plain.conv_no_norm = true;
  out.push_back(plain);
  ModelCase stacked{CellKind::Gru, false, 2, PoolingKind::Max, true, true};
  stacked.conv_stride_time = 2;
  out.push_back(stacked);
  for (const auto& [cell, bi, stride, bypass] :
       {std::tuple{CellKind::Lstm, false, 2, 2}, std::tuple{CellKind::Gru, true, 1, 1},
        std::tuple{CellKind::RnnTanh, false, 3, 1}}) {
    ModelCase m{cell, bi, 1, stride == 1 ? PoolingKind::Mean : PoolingKind::Attention};
    m.conv_stride_time = stride;
    m.conv_bypass = bypass;
    out.push_back(m);
  }
  // A frequency kernel wider than its stride and than the second block's input (every bin's
  // patch crosses an edge there), with a bypass.
  ModelCase wide{CellKind::Gru, false, 1, PoolingKind::Mean};
  wide.conv_stride_time = 2;
  wide.conv_kernel_freq = 5;
  wide.conv_stride_freq = 3;
  wide.conv_bypass = 1;
  out.push_back(wide);
  return out;
}

// Moves every LayerNorm scale and shift of `model` (norm.{l}.weight / bias and the front-end's
// frontend.blocks.{b}.norm.weight / bias) off its 1 / 0 start by
// seeded Gaussian values (stddev 0.3), so that parity tests exercise them.
inline void randomise_layer_norms(SequenceModel& model, std::uint64_t seed) {
  for (const ParamView& p : model.layout()) {
    if (p.name.rfind("norm.", 0) != 0 && p.name.find(".norm.") == std::string::npos) continue;
    const auto noise = white_noise(p.size, 0.3, seed + static_cast<std::uint64_t>(p.offset));
    const float base = p.name.ends_with(".weight") ? 1.0f : 0.0f;
    for (std::int64_t i = 0; i < p.size; ++i)
      model.weights()[static_cast<std::size_t>(p.offset + i)] = base + noise[i];
  }
}

inline ModelOptions make_options(const ModelCase& c, int hidden, int attention_dim) {
  ModelOptions o;
  o.cell = c.cell;
  o.hidden_size = hidden;
  o.num_layers = c.layers;
  o.bidirectional = c.bidirectional;
  o.pooling = c.pooling;
  o.attention_dim = attention_dim;
  o.input_norm = true;
  o.residual = c.residual;
  o.layer_norm = c.layer_norm;
  if (c.conv_stride_time > 0) {
    o.frontend = FrontendKind::Conv;
    o.conv_blocks = 2;
    o.conv_channels = 3;
    o.conv_kernel_time = 3;
    o.conv_kernel_freq = c.conv_kernel_freq;
    o.conv_stride_time = c.conv_stride_time;
    o.conv_stride_freq = c.conv_stride_freq;
    o.conv_activation = c.gelu ? ActivationKind::Gelu : ActivationKind::Relu;
    o.conv_layer_norm = !c.conv_no_norm;
    o.conv_bypass = c.conv_bypass;
  }
  return o;
}

// (B, T, F) batch of seeded Gaussian values (stddev 1) on valid frames, zero padding.
inline PaddedBatch random_batch(const std::vector<std::int64_t>& lengths, std::int64_t F,
                                std::uint64_t seed) {
  PaddedBatch x;
  x.batch = static_cast<std::int64_t>(lengths.size());
  x.max_frames = 0;
  for (auto l : lengths) x.max_frames = std::max(x.max_frames, l);
  x.dim = F;
  x.lengths = lengths;
  x.data.assign(static_cast<std::size_t>(x.batch * x.max_frames * F), 0.0f);
  const auto noise = white_noise(x.batch * x.max_frames * F, 1.0, seed);
  for (std::int64_t b = 0; b < x.batch; ++b)
    for (std::int64_t t = 0; t < lengths[static_cast<std::size_t>(b)]; ++t)
      for (std::int64_t f = 0; f < F; ++f) x.at(b, t, f) = noise[(b * x.max_frames + t) * F + f];
  return x;
}

template <class S>
RefBatch<S> to_ref(const PaddedBatch& x) {
  RefBatch<S> r;
  r.batch = x.batch;
  r.max_frames = x.max_frames;
  r.dim = x.dim;
  r.lengths = x.lengths;
  r.data.assign(x.data.begin(), x.data.end());
  return r;
}

inline std::vector<float> random_values(std::int64_t n, double stddev, std::uint64_t seed) {
  return white_noise(n, stddev, seed);
}

// Clip b of a batch as a batch of one (T = its length).
inline PaddedBatch single_clip(const PaddedBatch& x, std::int64_t b) {
  PaddedBatch one;
  one.batch = 1;
  one.max_frames = x.lengths[static_cast<std::size_t>(b)];
  one.dim = x.dim;
  one.lengths = {one.max_frames};
  const auto c = x.clip(b);
  one.data.assign(c.begin(), c.end());
  return one;
}

}  // namespace calmspace::testing
