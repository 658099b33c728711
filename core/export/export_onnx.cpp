#include "core/export/export_onnx.h"

#include <limits>
#include <map>
#include <span>

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/export/onnx_audio_frontend.h"
#include "core/export/onnx_builder.h"
#include "core/model/conv_frontend.h"
#include "core/model/residual_norm.h"
#include "core/run/checkpoint_safetensors.h"

namespace calmspace {
namespace {

using onnx_builder::attr;
using onnx_builder::GraphBuilder;
using onnx_builder::Ints;

constexpr const char* kSubject = "checkpoint";

// The checkpoint's parameters by name, each checked against the layout its model options give.
class Params {
 public:
  Params(const Checkpoint& checkpoint, const std::vector<ParamView>& expected) {
    std::map<std::string, const ParamView*> stored;
    for (const auto& p : checkpoint.layout) stored[p.name] = &p;
    for (const auto& want : expected) {
      const auto it = stored.find(want.name);
      if (it == stored.end())
        throw InputError(kSubject, cat("parameter ", want.name, " is missing"));
      const ParamView& p = *it->second;
      if (p.shape != want.shape)
        throw InputError(kSubject,
                         cat("parameter ", want.name, " has another shape than the model options"));
      if (p.offset < 0 || p.offset + p.size > static_cast<std::int64_t>(checkpoint.weights.size()))
        throw InputError(kSubject, cat("parameter ", want.name, " lies beyond the weights"));
      values_[want.name] =
          std::span<const float>(checkpoint.weights)
              .subspan(static_cast<std::size_t>(p.offset), static_cast<std::size_t>(p.size));
    }
  }
  std::span<const float> operator[](const std::string& name) const { return values_.at(name); }

 private:
  std::map<std::string, std::span<const float>> values_;
};

// For each ONNX gate position, the PyTorch gate it takes: LSTM PyTorch i,f,g,o -> ONNX i,o,f,c;
// GRU PyTorch r,z,n -> ONNX z,r,h; RNN one gate.
std::vector<int> onnx_gate_order(CellKind cell) {
  switch (cell) {
    case CellKind::Lstm:
      return {0, 3, 1, 2};
    case CellKind::Gru:
      return {1, 0, 2};
    case CellKind::RnnTanh:
    case CellKind::RnnRelu:
      break;
  }
  return {0};
}

// Appends the gate blocks of a gate-stacked (G*H, cols) matrix (cols = 1: a (G*H) bias) to
// `out` in ONNX order.
void append_reordered(std::span<const float> stacked, std::int64_t H, std::int64_t cols,
                      const std::vector<int>& order, std::vector<float>& out) {
  for (int gate : order) {
    const auto block = stacked.subspan(static_cast<std::size_t>(gate * H * cols),
                                       static_cast<std::size_t>(H * cols));
    out.insert(out.end(), block.begin(), block.end());
  }
}

struct RecurrentOutputs {
  std::string y;    // (T, dirs, B, H), zero past each clip's length
  std::string y_h;  // (dirs, B, H) final states: forward at length - 1, reverse at t = 0
};

// One recurrent layer (both directions) as one ONNX RNN / LSTM / GRU node. x: (T, B, input).
RecurrentOutputs add_recurrent_layer(GraphBuilder& g, const ModelOptions& o, const Params& params,
                                     int layer, std::int64_t input, const std::string& x,
                                     const std::string& lengths) {
  const std::int64_t H = o.hidden_size, G = gate_count(o.cell), dirs = o.directions();
  const auto order = onnx_gate_order(o.cell);
  std::vector<float> W, R, B;  // (dirs, G*H, input), (dirs, G*H, H), (dirs, 2*G*H)
  for (int d = 0; d < dirs; ++d) {
    const std::string sfx = "_l" + std::to_string(layer) + (d == 1 ? "_reverse" : "");
    append_reordered(params["rnn.weight_ih" + sfx], H, input, order, W);
    append_reordered(params["rnn.weight_hh" + sfx], H, H, order, R);
    append_reordered(params["rnn.bias_ih" + sfx], H, 1, order, B);
    append_reordered(params["rnn.bias_hh" + sfx], H, 1, order, B);
  }
  const std::string name = "layer" + std::to_string(layer);
  const std::vector<std::string> inputs = {x, g.floats(name + ".W", {dirs, G * H, input}, W),
                                           g.floats(name + ".R", {dirs, G * H, H}, R),
                                           g.floats(name + ".B", {dirs, 2 * G * H}, B), lengths};
  std::vector<onnx::AttributeProto> attrs = {
      attr("hidden_size", o.hidden_size),
      attr("direction", o.bidirectional ? "bidirectional" : "forward")};
  std::string op_type;
  switch (o.cell) {
    case CellKind::Lstm:
      op_type = "LSTM";  // default activations Sigmoid, Tanh, Tanh; no peepholes
      break;
    case CellKind::Gru:
      op_type = "GRU";
      attrs.push_back(attr("linear_before_reset", 1));  // r * (W_hn h + b_hn), as PyTorch
      break;
    case CellKind::RnnTanh:
    case CellKind::RnnRelu:
      op_type = "RNN";
      attrs.push_back(attr(
          "activations", std::vector<std::string>(static_cast<std::size_t>(dirs),
                                                  o.cell == CellKind::RnnRelu ? "Relu" : "Tanh")));
      break;
  }
  const auto outs = g.node(op_type, inputs, 2, std::move(attrs));
  return {outs[0], outs[1]};
}

// The convolutional front-end (conv_frontend.h) on the normalised features x (B, T, F): per block
// Conv (causal: pads kt - 1 frames before, none after; (kf - 1) / 2 bins on both sides), then per
// frame LayerNormalization over (C, F') and Relu or exact GELU (0.5 z (1 + erf(z / sqrt 2)));
// returns (B, T', C * F') and sets `lengths` to the name of the int32 lengths ceil(T / st) per
// block. Padded frames of x need not be zero: a causal output frame never reads them.
// With model.conv_bypass = P, the convolution reads columns [0, F - P) and the output is
// (B, T', C * F' + P): each frame joined to columns [F - P, F) of every S-th feature frame.
std::string add_conv_frontend(GraphBuilder& g, const ModelOptions& o, const Params& params,
                              std::int64_t F, const std::string& x, std::string& lengths) {
  const auto blocks = conv_block_shapes(o, static_cast<int>(F));
  const std::int64_t P = o.conv_bypass, Fs = F - P;
  auto columns = [&](std::int64_t from, std::int64_t to) {  // x[:, :, from:to]
    return g.op("Slice",
                {x, g.int64s("start", {from}), g.int64s("end", {to}), g.int64s("axes", {2})});
  };
  std::string y = g.op("Unsqueeze", {P > 0 ? columns(0, Fs) : x, g.int64s("axes", {1})});
  std::string len64 = g.op("Cast", {lengths}, {attr("to", onnx::TensorProto::INT64)});
  for (std::size_t k = 0; k < blocks.size(); ++k) {
    const ConvBlockShape& s = blocks[k];
    const std::string conv_w = cat("frontend.blocks.", k, ".conv.weight");
    const std::string conv_b = cat("frontend.blocks.", k, ".conv.bias");
    const std::string norm_w = cat("frontend.blocks.", k, ".norm.weight");
    const std::string norm_b = cat("frontend.blocks.", k, ".norm.bias");
    y = g.op("Conv",
             {y, g.floats(conv_w, {s.c_out, s.c_in, s.kt, s.kf}, params[conv_w]),
              g.floats(conv_b, {s.c_out}, params[conv_b])},
             {attr("kernel_shape", Ints{s.kt, s.kf}), attr("strides", Ints{s.st, s.sf}),
              attr("pads", Ints{s.kt - 1, s.pad_f, 0, s.pad_f})});  // (B, C, T', F')
    y = g.op("Transpose", {y}, {attr("perm", Ints{0, 2, 1, 3})});   // (B, T', C, F')
    if (o.conv_layer_norm)
      y = g.op(
          "LayerNormalization",
          {y, g.floats(norm_w, {s.c_out, s.f_out}, params[norm_w]),
           g.floats(norm_b, {s.c_out, s.f_out}, params[norm_b])},
          {attr("axis", std::int64_t{-2}), attr("epsilon", static_cast<float>(kLayerNormEps))});
    if (o.conv_activation == ActivationKind::Relu) {
      y = g.op("Relu", {y});
    } else {
      const std::string cdf = g.op(
          "Mul",
          {g.op("Add",
                {g.op("Erf", {g.op("Mul", {y, g.scalar_float("inv_sqrt2", 0.70710678118654752f)})}),
                 g.scalar_float("one_f", 1.0f)}),
           g.scalar_float("half", 0.5f)});
      y = g.op("Mul", {y, cdf});
    }
    if (k + 1 < blocks.size()) y = g.op("Transpose", {y}, {attr("perm", Ints{0, 2, 1, 3})});
    if (s.st > 1)  // ceil(len / st)
      len64 = g.op("Div", {g.op("Add", {len64, g.scalar_int64("stride_minus_one", s.st - 1)}),
                           g.scalar_int64("stride", s.st)});
  }
  lengths = g.op("Cast", {len64}, {attr("to", onnx::TensorProto::INT32)});
  y = g.op("Reshape", {y, g.int64s("BTD", {0, 0, -1})});  // (B, T', C * F')
  if (P == 0) return y;
  // Frames 0, S, 2S, ... of the bypassed columns: (B, ceil(T / S), P), T' frames as y.
  const std::string bypass =
      g.op("Slice", {columns(Fs, F), g.int64s("start", {0}),
                     g.int64s("end", {std::numeric_limits<std::int64_t>::max()}),
                     g.int64s("axes", {1}), g.int64s("steps", {frontend_time_stride(o)})});
  return g.op("Concat", {y, bypass}, {attr("axis", 2)});
}

// (B, D) = [forward half of y at frame length - 1, reverse half at frame 0]: "last" pooling of
// outputs that are not the recurrent layer's own (after residual / layer norm), by masked sums.
// frames (T) = 0..T-1, len64 (B).
std::string add_last_frames(GraphBuilder& g, const ModelOptions& o, const std::string& y,
                            const std::string& frames, const std::string& len64) {
  auto frame_mask = [&](const std::string& which) {  // (B, T, 1) float: t == which[b]
    return g.op(
        "Cast",
        {g.op("Unsqueeze", {g.op("Equal", {g.op("Unsqueeze", {frames, g.int64s("axes", {0})}),
                                           g.op("Unsqueeze", {which, g.int64s("axes", {1})})}),
                            g.int64s("axes", {2})})},
        {attr("to", onnx::TensorProto::FLOAT)});
  };
  auto pick = [&](const std::string& mask) {
    return g.op("ReduceSum", {g.op("Mul", {y, mask}), g.int64s("axes", {1})},
                {attr("keepdims", 0)});
  };
  std::string at_last = pick(frame_mask(g.op("Sub", {len64, g.scalar_int64("one", 1)})));
  if (!o.bidirectional) return at_last;
  const std::int64_t H = o.hidden_size;
  const std::string at_first =
      g.op("Gather", {y, g.scalar_int64("first_frame", 0)}, {attr("axis", 1)});  // (B, D)
  return g.op("Concat",
              {g.op("Slice",
                    {at_last, g.int64s("start", {0}), g.int64s("end", {H}), g.int64s("axes", {1})}),
               g.op("Slice", {at_first, g.int64s("start", {H}), g.int64s("end", {2 * H}),
                              g.int64s("axes", {1})})},
              {attr("axis", 1)});
}

// Pooling over each clip's true frames (pooling.h). y: (B, T, D), y_h: (dirs, B, H) of the last
// layer, or "" when y is not the recurrent layer's own output. Returns P (B, D).
std::string add_pooling(GraphBuilder& g, const ModelOptions& o, const Params& params,
                        const std::string& y, const std::string& y_h, const std::string& lengths) {
  if (o.pooling == PoolingKind::Last && !y_h.empty())  // [fwd h at length-1, rev h at 0] = Y_h
    return g.op("Reshape",
                {g.op("Transpose", {y_h}, {attr("perm", Ints{1, 0, 2})}), g.int64s("BD", {0, -1})});

  // valid (B, T, 1) = t < lengths[b]
  const std::string time = g.op("Gather", {g.op("Shape", {y}), g.scalar_int64("time_axis", 1)});
  const std::string frames =
      g.op("Range", {g.scalar_int64("zero", 0), time, g.scalar_int64("one", 1)});  // (T)
  const std::string len64 = g.op("Cast", {lengths}, {attr("to", onnx::TensorProto::INT64)});
  if (o.pooling == PoolingKind::Last) return add_last_frames(g, o, y, frames, len64);
  const std::string valid = g.op(
      "Unsqueeze", {g.op("Less", {g.op("Unsqueeze", {frames, g.int64s("axes", {0})}),
                                  g.op("Unsqueeze", {len64, g.int64s("axes", {1})})}),  // (B, T)
                    g.int64s("axes", {2})});
  auto lowest = [&g] { return g.scalar_float("lowest", std::numeric_limits<float>::lowest()); };

  switch (o.pooling) {
    case PoolingKind::Mean: {  // sum_{t < len} y_t / len (onnxruntime zeroes Y past the length,
                               // the ONNX spec does not promise it: masked here)
      const std::string sum =
          g.op("ReduceSum",
               {g.op("Where", {valid, y, g.scalar_float("zero", 0.0f)}), g.int64s("axes", {1})},
               {attr("keepdims", 0)});
      const std::string count =
          g.op("Unsqueeze", {g.op("Cast", {lengths}, {attr("to", onnx::TensorProto::FLOAT)}),
                             g.int64s("axes", {1})});  // (B, 1)
      return g.op("Div", {sum, count});
    }
    case PoolingKind::Max:  // opset 17's ReduceMax takes axes as an attribute
      return g.op("ReduceMax", {g.op("Where", {valid, y, lowest()})},
                  {attr("axes", Ints{1}), attr("keepdims", 0)});
    case PoolingKind::Attention: {  // alpha = softmax_{t < len}(v . tanh(W y_t + b))
      const std::int64_t A = o.attention_dim, D = o.output_dim();
      const auto w = params["pool.attention.weight"];  // (A, D) -> stored transposed (D, A)
      std::vector<float> wt(static_cast<std::size_t>(A * D));
      for (std::int64_t a = 0; a < A; ++a)
        for (std::int64_t j = 0; j < D; ++j)
          wt[static_cast<std::size_t>(j * A + a)] = w[static_cast<std::size_t>(a * D + j)];
      const std::string u =
          g.op("Tanh",
               {g.op("Add", {g.op("MatMul", {y, g.floats("pool.attention.weight_t", {D, A}, wt)}),
                             g.floats("pool.attention.bias", {A},
                                      params["pool.attention.bias"])})});  // (B, T, A)
      const std::string score =
          g.op("MatMul",
               {u, g.floats("pool.attention.v", {A, 1}, params["pool.attention.v"])});  // (B, T, 1)
      const std::string alpha =
          g.op("Softmax", {g.op("Where", {valid, score, lowest()})}, {attr("axis", 1)});
      return g.op("ReduceSum", {g.op("Mul", {alpha, y}), g.int64s("axes", {1})},
                  {attr("keepdims", 0)});
    }
    case PoolingKind::Last:
      break;
  }
  throw InputError(kSubject, "model.pooling: not supported by the ONNX export");
}

}  // namespace

std::string onnx_model_bytes(const Checkpoint& checkpoint, OnnxInput takes) {
  const Config config = checkpoint.config(kSubject);
  const ModelOptions& o = config.model;
  const std::int64_t F = config.features.feature_dim(config.audio.sample_rate);
  const std::int64_t C = static_cast<std::int64_t>(checkpoint.labels.size());
  if (C == 0) throw InputError(kSubject, "has no labels");
  const Params params(checkpoint, parameter_layout(o, static_cast<int>(F), static_cast<int>(C)));
  if (o.input_norm && (static_cast<std::int64_t>(checkpoint.norm_mean.size()) != F ||
                       static_cast<std::int64_t>(checkpoint.norm_std.size()) != F))
    throw InputError(kSubject, cat("input_norm mean/std are not (", F, ",)"));

  onnx::ModelProto model;
  model.set_ir_version(kOnnxIrVersion);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  model.set_producer_name("calmspace");
  model.set_producer_version(CALMSPACE_VERSION);
  model.set_doc_string(
      "CalmSpace speech emotion classifier: features (batch, time, F) + lengths (batch) -> "
      "probabilities (batch, C) over the labels in metadata_props['labels']");
  for (const auto& [key, value] : model_export_metadata(checkpoint)) {
    auto* entry = model.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }

  GraphBuilder g(model.mutable_graph());
  model.mutable_graph()->set_name("calmspace");
  if (takes == OnnxInput::Audio) {
    add_onnx_audio_frontend(g, config);  // outputs `features` and `lengths`
  } else {
    g.input("features", onnx::TensorProto::FLOAT, {"batch", "time", F},
            "padded features (batch, time, F); rows past lengths[b] are ignored");
    g.input("lengths", onnx::TensorProto::INT32, {"batch"}, "true frames per clip, 1..time");
  }

  std::string x = "features";
  if (o.input_norm) {  // x' = (x - mean) * (1 / std), as the CPU backend computes it
    std::vector<float> inv_std(checkpoint.norm_std.size());
    for (std::size_t f = 0; f < inv_std.size(); ++f) inv_std[f] = 1.0f / checkpoint.norm_std[f];
    x = g.op("Mul", {g.op("Sub", {x, g.floats("input_norm.mean", {F}, checkpoint.norm_mean)}),
                     g.floats("input_norm.inv_std", {F}, inv_std)});
  }
  std::string lengths = "lengths";
  std::int64_t input = F;
  if (o.has_conv_frontend()) {
    x = add_conv_frontend(g, o, params, F, x, lengths);
    input = frontend_output_dim(o, static_cast<int>(F));
  }
  std::string seq = g.op("Transpose", {x}, {attr("perm", Ints{1, 0, 2})});  // (T, B, I)
  std::string y_h;
  const std::int64_t D = o.output_dim();
  for (int layer = 0; layer < o.num_layers; ++layer) {
    const auto r = add_recurrent_layer(g, o, params, layer, input, seq, lengths);
    // (T, dirs, B, H) -> (T, B, dirs, H) -> (T, B, D): [forward, reverse] per frame
    const std::string layer_input = seq;
    seq = g.op("Reshape", {g.op("Transpose", {r.y}, {attr("perm", Ints{0, 2, 1, 3})}),
                           g.int64s("TBD", {0, 0, -1})});
    y_h = r.y_h;
    input = D;
    // Between layers (residual_norm.h): r = y + x, z = LayerNorm(r) over D.
    if (o.residual && layer > 0) {
      seq = g.op("Add", {seq, layer_input});
      y_h.clear();
    }
    if (o.layer_norm) {
      const std::string weight = cat("norm.", layer, ".weight"),
                        bias = cat("norm.", layer, ".bias");
      seq = g.op(
          "LayerNormalization",
          {seq, g.floats(weight, {D}, params[weight]), g.floats(bias, {D}, params[bias])},
          {attr("axis", std::int64_t{-1}), attr("epsilon", static_cast<float>(kLayerNormEps))});
      y_h.clear();
    }
  }
  const std::string y = g.op("Transpose", {seq}, {attr("perm", Ints{1, 0, 2})});  // (B, T, D)
  const std::string pooled = add_pooling(g, o, params, y, y_h, lengths);

  g.op_to("logits", "Gemm",
          {pooled, g.floats("head.weight", {C, D}, params["head.weight"]),
           g.floats("head.bias", {C}, params["head.bias"])},
          {attr("transB", 1)});  // P W^T + b
  // Calibrated probabilities: softmax(logits / T), T = model.temperature (1 = uncalibrated).
  const auto inverse_temperature = static_cast<float>(1.0 / o.temperature);
  g.op_to("probabilities", "Softmax",
          {g.op("Mul", {"logits", g.scalar_float("inverse_temperature", inverse_temperature)})},
          {attr("axis", 1)});
  g.output("probabilities", onnx::TensorProto::FLOAT, {"batch", C},
           "softmax over the labels of logits / model.temperature");
  g.output("logits", onnx::TensorProto::FLOAT, {"batch", C}, "the head's output");
  if (takes == OnnxInput::Audio)
    g.output("features", onnx::TensorProto::FLOAT, {"batch", "time", F},
             "the features the graph computed from the audio (for checking)");

  std::string bytes;
  CALMSPACE_CHECK(model.SerializeToString(&bytes), "onnx.ModelProto did not serialize");
  return bytes;
}

void export_onnx(const Checkpoint& checkpoint, const std::string& path, OnnxInput input) {
  write_text_file_atomic(path, onnx_model_bytes(checkpoint, input));
}

}  // namespace calmspace
