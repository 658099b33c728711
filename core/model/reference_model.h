// The REFERENCE CPU sequence model: naive loops, templated on the scalar (double for finite-
// difference checks, float to compare with the fast path). Same flat parameter layout, dropout
// masks, pooling and head as every backend (sequence_model.h); written for clarity, not speed.
// Equations (PyTorch nn.RNN / nn.LSTM / nn.GRU, zero initial state):
//   rnn:  h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu
//   lstm: [i f g o] = W_ih x + b_ih + W_hh h + b_hh; i,f,o = sigmoid, g = tanh
//         c' = f c + i g; h' = o tanh(c')
//   gru:  r = sigmoid(W_ir x + b_ir + W_hr h + b_hr); z likewise
//         n = tanh(W_in x + b_in + r (W_hn h + b_hn)); h' = (1 - z) n + z h
// Between layers, residual and layer norm as in residual_norm.h; before them, the convolutional
// front-end frame by frame (conv_frontend.h).
// The reverse direction of clip b runs t = len_b - 1 down to 0 (cuDNN with per-sample lengths,
// PyTorch with packed sequences); outputs are zero for t >= len_b.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/config/model_options.h"
#include "core/model/conv_frontend.h"
#include "core/model/param_index.h"
#include "core/model/pooling.h"

namespace calmspace {

// (B, T, F) padded batch in scalar S; rows t >= lengths[b] are ignored.
template <class S>
struct RefBatch {
  std::int64_t batch = 0, max_frames = 0, dim = 0;
  std::vector<S> data;
  std::vector<std::int64_t> lengths;
};

template <class S>
class ReferenceModel {
 public:
  ReferenceModel(const ModelOptions& options, int input_dim, int num_classes);

  const ModelOptions& options() const { return options_; }
  const ModelParamIndex& index() const { return index_; }
  std::vector<S>& weights() { return w_; }
  std::vector<S>& gradients() { return g_; }
  std::vector<S>& input_mean() { return mean_; }  // (F), used when options.input_norm
  std::vector<S>& input_std() { return std_; }    // (F)

  // logits (B, C). training enables dropout with masks from dropout_seed (dropout.h).
  void forward(const RefBatch<S>& x, std::vector<S>& logits, bool training,
               std::uint64_t dropout_seed);
  // ADDS parameter gradients for dlogits (B, C) of the last forward; if dinput is given, writes
  // the gradient w.r.t. the raw input (B, T, F) (zero on padded rows).
  void backward(std::span<const S> dlogits, std::vector<S>* dinput = nullptr);

 private:
  // One front-end block over the batch: its input (B, T_in, in_row) and lengths, the output
  // frame's pre-activation (B, T_out, out_row) after the norm, xhat and rstd of the norm.
  struct FrontendCache {
    std::int64_t frames_in = 0, frames_out = 0;
    std::vector<std::int64_t> lengths_in, lengths_out;
    std::vector<S> in, pre, xhat, rstd;
  };
  // x (B, T, F) normalised -> what layer 0 reads (B, T', I0) (with model.conv_bypass: the last
  // block's rows joined to the bypassed columns, conv_frontend.h); sets B_, T_, lengths_ to the
  // recurrent layers' frames.
  std::vector<S> frontend_forward(std::vector<S> x);
  // dL/d(layer 0 input) (B, T', I0) -> dL/d(normalised features) (B, T, F); ADDS weight grads.
  std::vector<S> frontend_backward(std::vector<S> dout);
  struct LayerCache {
    std::vector<S> in;    // (B, T, I) layer input (normalised features or dropped-out outputs)
    std::vector<S> out;   // (B, T, D) outputs, zero past the lengths
    std::vector<S> post;  // (B, T, D) after residual / layer norm (empty = none: out)
    std::vector<S> xhat;  // (B, T, D) normalised r (layer_norm)
    std::vector<S> rstd;  // (B, T) 1 / sqrt(var + eps) per frame (layer_norm)
    std::vector<S> mask;  // (B, T, D) dropout multipliers applied to output() (empty = none)
    const std::vector<S>& output() const { return post.empty() ? out : post; }
    std::vector<S> gates;  // per direction (B, T, G*H) activated gates
    std::vector<S> cell;   // per direction (B, T, H) LSTM c
    std::vector<S> hn;     // per direction (B, T, H) GRU W_hn h_prev + b_hn
  };
  void layer_forward(int layer, LayerCache& c);
  void post_forward(int layer, LayerCache& c);
  // dz (B, T, D) of layer `layer`'s output() -> in place dL/d(RNN output); ADDS gamma/beta grads.
  void post_backward(int layer, const LayerCache& c, std::vector<S>& dz);
  void layer_backward(int layer, LayerCache& c, const std::vector<S>& dout, std::vector<S>& din);

  ModelOptions options_;
  int F_, C_, H_, G_, D_;
  ModelParamIndex index_;
  std::vector<S> w_, g_, mean_, std_;
  // last forward
  std::int64_t B_ = 0, T_ = 0;  // T_: frames the recurrent layers see
  std::vector<std::int64_t> lengths_;
  std::int64_t input_frames_ = 0;  // T of the features
  std::vector<std::int64_t> input_lengths_;
  std::vector<ConvBlockShape> blocks_;
  std::vector<FrontendCache> frontend_;
  std::vector<LayerCache> layers_;
  std::vector<S> pooled_;  // (B, D)
  PoolCache<S> pool_cache_;
};

extern template class ReferenceModel<float>;
extern template class ReferenceModel<double>;

}  // namespace calmspace
