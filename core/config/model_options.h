// The sequence model, chosen by config (section `model`):
//   (B, T, F) padded features + lengths -> input normalisation (training-set mean/std)
//   -> optional convolutional front-end over the (T, F) log-mel "image" (frontend = conv;
//   core/model/conv_frontend.h): conv_blocks x [2-D convolution, causal in time, layer norm over
//   (channels, frequency) per frame, ReLU | GELU], each block dividing time by conv_stride_time
//   and frequency by conv_stride_freq (rounding up); the recurrent layers then read
//   (B, T', conv_channels * F') with per-clip lengths T' = ceil(T / stride) per block
//   -> [rnn_tanh | rnn_relu | lstm | gru] x num_layers x (1 or 2 directions), each layer's
//   output optionally plus its input (residual, layers 2..L) and layer-normalised per frame
//   (core/model/residual_norm.h), dropout between layers
//   -> pooling over each clip's true frames (mean | max | last | attention)
//   -> linear head -> logits (B, num_classes) -> softmax.
#pragma once

#include <cstdint>
#include <string>

#include "core/base/options.h"

namespace calmspace {

enum class CellKind { RnnTanh, RnnRelu, Lstm, Gru };
enum class PoolingKind { Mean, Max, Last, Attention };
enum class RecurrentInit { Uniform, Orthogonal };
enum class FrontendKind { None, Conv };
enum class ActivationKind { Relu, Gelu };

inline const EnumTable<CellKind>& cell_kind_table() {
  static const EnumTable<CellKind> t = {{"lstm", CellKind::Lstm},
                                        {"gru", CellKind::Gru},
                                        {"rnn_tanh", CellKind::RnnTanh},
                                        {"rnn", CellKind::RnnTanh},
                                        {"rnn_relu", CellKind::RnnRelu}};
  return t;
}
inline const EnumTable<PoolingKind>& pooling_kind_table() {
  static const EnumTable<PoolingKind> t = {{"mean", PoolingKind::Mean},
                                           {"max", PoolingKind::Max},
                                           {"last", PoolingKind::Last},
                                           {"attention", PoolingKind::Attention}};
  return t;
}

inline const EnumTable<RecurrentInit>& recurrent_init_table() {
  static const EnumTable<RecurrentInit> t = {{"uniform", RecurrentInit::Uniform},
                                             {"orthogonal", RecurrentInit::Orthogonal}};
  return t;
}

inline const EnumTable<FrontendKind>& frontend_kind_table() {
  static const EnumTable<FrontendKind> t = {{"none", FrontendKind::None},
                                            {"conv", FrontendKind::Conv}};
  return t;
}
inline const EnumTable<ActivationKind>& activation_kind_table() {
  static const EnumTable<ActivationKind> t = {{"relu", ActivationKind::Relu},
                                              {"gelu", ActivationKind::Gelu}};
  return t;
}

// Gates per cell, in cuDNN / PyTorch order: LSTM i, f, g, o; GRU r, z, n; RNN one.
inline int gate_count(CellKind cell) {
  return cell == CellKind::Lstm ? 4 : cell == CellKind::Gru ? 3 : 1;
}

struct ModelOptions {
  CellKind cell = CellKind::Lstm;
  int hidden_size = 128;
  int num_layers = 2;
  bool bidirectional = false;
  double dropout = 0.0;  // probability, applied to the outputs of every layer but the last
  PoolingKind pooling = PoolingKind::Mean;
  int attention_dim = 64;  // attention pooling: score_t = v . tanh(W h_t + b), W (A, D)
  bool input_norm = true;  // normalise inputs with training-set per-feature mean and std
  // Convolutional front-end (conv_frontend.h). Every block: conv_channels output channels, a
  // (conv_kernel_time, conv_kernel_freq) kernel with strides (conv_stride_time, conv_stride_freq),
  // padded with zeros by conv_kernel_time - 1 frames before the clip (causal: frame t' reads input
  // frames up to stride * t', so a clip's outputs never see its padding or its future, and it
  // streams) and by (conv_kernel_freq - 1) / 2 bins on both sides of frequency (odd kernels).
  FrontendKind frontend = FrontendKind::None;
  int conv_blocks = 2;
  int conv_channels = 16;
  int conv_kernel_time = 3;
  int conv_kernel_freq = 3;
  int conv_stride_time = 1;
  int conv_stride_freq = 2;
  bool conv_layer_norm = true;  // LayerNorm over (channels, F') per frame, before the activation
  ActivationKind conv_activation = ActivationKind::Relu;
  // The last conv_bypass feature columns (e.g. the prosody of features.extra, which are no
  // frequency bins) skip the convolution: the recurrent layers read [the last block's output of
  // frame t', those columns of feature frame S t'], S the product of the blocks' time strides.
  int conv_bypass = 0;
  // Between recurrent layers (core/model/residual_norm.h), per frame, after layer l's RNN output
  // y_l (D): r_l = y_l + x_l (residual, layers l >= 1, whose input x_l is the layer below's
  // output after dropout, also D wide), z_l = gamma_l * (r_l - mean(r_l)) / sqrt(var(r_l) + 1e-5) +
  // beta_l (layer_norm, every layer including the last, before pooling). z_l is what the next layer
  // and pooling see. Both off: the plain stack.
  bool residual = false;
  bool layer_norm = false;
  // Initialisation (core/model/init.h): how each gate's (H, H) block of weight_hh starts, and a
  // constant added to the LSTM forget-gate bias (1 in Jozefowicz et al. 2015; PyTorch uses 0).
  RecurrentInit recurrent_init = RecurrentInit::Uniform;
  double forget_bias = 0.0;
  // What a trained model knows of its own reliability (set by `calmspace calibrate`, not by
  // training; core/eval/calibration.h): probabilities = softmax(logits / temperature), and the
  // UA it scored on corpora it never trained on (leave-one-corpus-out), quoted in words beside
  // every prediction (core/predict/reliability.h). 1 and 0: not calibrated, not measured.
  double temperature = 1.0;
  double unseen_corpus_ua = 0.0;

  void register_options(OptionRegistry& r) {
    r.add_enum("cell", &cell, cell_kind_table(), "recurrent cell (rnn = rnn_tanh)");
    r.add("hidden_size", &hidden_size, "hidden units per direction");
    r.add("num_layers", &num_layers, "stacked recurrent layers");
    r.add("bidirectional", &bidirectional, "run a second, time-reversed direction per layer");
    r.add("dropout", &dropout, "dropout probability between recurrent layers");
    r.add_enum("pooling", &pooling, pooling_kind_table(), "pooling over each clip's frames");
    r.add("attention_dim", &attention_dim, "attention pooling hidden size A");
    r.add("input_norm", &input_norm, "normalise inputs with training-set mean/std");
    r.add_enum("frontend", &frontend, frontend_kind_table(),
               "what reads the features before the recurrent layers: none or a 2-D conv stack");
    r.add("conv_blocks", &conv_blocks, "conv front-end: blocks (conv, norm, activation)");
    r.add("conv_channels", &conv_channels, "conv front-end: output channels of every block");
    r.add("conv_kernel_time", &conv_kernel_time, "conv front-end: kernel frames (causal)");
    r.add("conv_kernel_freq", &conv_kernel_freq, "conv front-end: kernel bins (odd)");
    r.add("conv_stride_time", &conv_stride_time,
          "conv front-end: each block keeps every n-th frame (lengths become ceil(T / n))");
    r.add("conv_stride_freq", &conv_stride_freq,
          "conv front-end: each block keeps every n-th bin (F becomes ceil(F / n))");
    r.add("conv_layer_norm", &conv_layer_norm,
          "conv front-end: layer-normalise (channels, bins) per frame before the activation");
    r.add_enum("conv_activation", &conv_activation, activation_kind_table(),
               "conv front-end: relu or gelu (exact, erf)");
    r.add("conv_bypass", &conv_bypass,
          "conv front-end: the last n feature columns skip the convolution and join its output "
          "(e.g. 3 for features.extra=[pitch,energy] without deltas)");
    r.add("residual", &residual, "add each recurrent layer's input to its output (layers 2..L)");
    r.add("layer_norm", &layer_norm, "layer-normalise every recurrent layer's output per frame");
    r.add_enum("recurrent_init", &recurrent_init, recurrent_init_table(),
               "initial weight_hh gate blocks: uniform +-1/sqrt(H) or random orthogonal");
    r.add("forget_bias", &forget_bias, "LSTM: added to the forget-gate bias_ih at initialisation");
    r.add("temperature", &temperature,
          "softmax temperature T: probabilities = softmax(logits / T), fitted by `calibrate`");
    r.add("unseen_corpus_ua", &unseen_corpus_ua,
          "UA on corpora never trained on (leave-one-corpus-out), quoted with predictions; 0 = "
          "not measured");
  }
  void validate() const;

  int directions() const { return bidirectional ? 2 : 1; }
  // The cuDNN backend runs the plain stack only: empty when it can run these options, else why
  // not (train.device=auto then uses the CPU).
  std::string cuda_unsupported_reason() const;
  int output_dim() const { return hidden_size * directions(); }  // D, what pooling sees
  bool has_conv_frontend() const { return frontend == FrontendKind::Conv; }
};

}  // namespace calmspace
