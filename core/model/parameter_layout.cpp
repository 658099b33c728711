// parameter_layout(): the one flat parameter layout shared by every backend (sequence_model.h).
#include <string>

#include "core/base/error.h"
#include "core/model/conv_frontend.h"
#include "core/model/param_index.h"
#include "core/model/sequence_model.h"

namespace calmspace {

std::vector<ParamView> parameter_layout(const ModelOptions& options, int input_dim,
                                        int num_classes) {
  options.validate();
  CALMSPACE_CHECK(input_dim >= 1, "input_dim ", input_dim);
  CALMSPACE_CHECK(num_classes >= 1, "num_classes ", num_classes);
  const std::int64_t H = options.hidden_size;
  const std::int64_t G = gate_count(options.cell);
  const std::int64_t D = options.output_dim();
  std::vector<ParamView> out;
  std::int64_t offset = 0;
  auto add = [&](std::string name, std::vector<std::int64_t> shape) {
    std::int64_t size = 1;
    for (auto s : shape) size *= s;
    out.push_back({std::move(name), std::move(shape), offset, size});
    offset += size;
  };
  const auto blocks = conv_block_shapes(options, input_dim);
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const ConvBlockShape& s = blocks[b];
    const std::string prefix = "frontend.blocks." + std::to_string(b) + ".";
    add(prefix + "conv.weight", {s.c_out, s.c_in, s.kt, s.kf});
    add(prefix + "conv.bias", {s.c_out});
    if (options.conv_layer_norm) {
      add(prefix + "norm.weight", {s.c_out, s.f_out});
      add(prefix + "norm.bias", {s.c_out, s.f_out});
    }
  }
  const std::int64_t rnn_input = frontend_output_dim(options, input_dim);
  for (int l = 0; l < options.num_layers; ++l) {
    const std::int64_t in = l == 0 ? rnn_input : D;
    for (int d = 0; d < options.directions(); ++d) {
      const std::string sfx = std::to_string(l) + (d == 1 ? "_reverse" : "");
      add("rnn.weight_ih_l" + sfx, {G * H, in});
      add("rnn.weight_hh_l" + sfx, {G * H, H});
      add("rnn.bias_ih_l" + sfx, {G * H});
      add("rnn.bias_hh_l" + sfx, {G * H});
    }
  }
  if (options.layer_norm)
    for (int l = 0; l < options.num_layers; ++l) {
      add("norm." + std::to_string(l) + ".weight", {D});
      add("norm." + std::to_string(l) + ".bias", {D});
    }
  if (options.pooling == PoolingKind::Attention) {
    const std::int64_t A = options.attention_dim;
    add("pool.attention.weight", {A, D});
    add("pool.attention.bias", {A});
    add("pool.attention.v", {A});
  }
  add("head.weight", {num_classes, D});
  add("head.bias", {num_classes});
  return out;
}

ModelParamIndex make_param_index(const ModelOptions& options, int input_dim, int num_classes) {
  const auto layout = parameter_layout(options, input_dim, num_classes);
  ModelParamIndex index;
  std::size_t i = 0;
  for (int b = 0; b < (options.has_conv_frontend() ? options.conv_blocks : 0); ++b) {
    ConvParamOffsets c;
    c.w = layout[i].offset;
    c.b = layout[i + 1].offset;
    i += 2;
    if (options.conv_layer_norm) {
      c.gamma = layout[i].offset;
      c.beta = layout[i + 1].offset;
      i += 2;
    }
    index.conv.push_back(c);
  }
  for (int l = 0; l < options.num_layers; ++l) {
    for (int d = 0; d < options.directions(); ++d) {
      RnnParamOffsets p;
      p.w_ih = layout[i].offset;
      p.input = static_cast<int>(layout[i].shape[1]);
      p.w_hh = layout[i + 1].offset;
      p.b_ih = layout[i + 2].offset;
      p.b_hh = layout[i + 3].offset;
      index.rnn.push_back(p);
      i += 4;
    }
  }
  if (options.layer_norm)
    for (int l = 0; l < options.num_layers; ++l) {
      index.norm_w.push_back(layout[i].offset);
      index.norm_b.push_back(layout[i + 1].offset);
      i += 2;
    }
  if (options.pooling == PoolingKind::Attention) {
    index.att_w = layout[i].offset;
    index.att_b = layout[i + 1].offset;
    index.att_v = layout[i + 2].offset;
    i += 3;
  }
  index.head_w = layout[i].offset;
  index.head_b = layout[i + 1].offset;
  index.total = layout.back().offset + layout.back().size;
  return index;
}

}  // namespace calmspace
