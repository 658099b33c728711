// The model stage's narrow interface, shared by the CPU backend (core/model) and the cuDNN
// backend (cuda/model). Both use ONE parameter layout, so a checkpoint written by one
// loads in the other and exports to PyTorch by name:
//   with model.frontend = conv, first per block b (conv_frontend.h):
//     frontend.blocks.{b}.conv.weight (C, C_in, kt, kf), frontend.blocks.{b}.conv.bias (C),
//     frontend.blocks.{b}.norm.weight (C, F_b), frontend.blocks.{b}.norm.bias (C, F_b)
//     (the norm only with conv_layer_norm), and F below becomes C * F_last;
//   per layer l, per direction (suffix "" or "_reverse"), PyTorch nn.LSTM/GRU/RNN names/shapes:
//     rnn.weight_ih_l{l}{sfx} (G*H, in_l)   in_0 = F, in_l = H * directions
//     rnn.weight_hh_l{l}{sfx} (G*H, H)
//     rnn.bias_ih_l{l}{sfx}   (G*H)
//     rnn.bias_hh_l{l}{sfx}   (G*H)
//   gates stacked in cuDNN = PyTorch order (LSTM i,f,g,o; GRU r,z,n; GRU's n gate uses
//   r * (W_hn h + b_hn), "linear before reset", cuDNN's and PyTorch's default);
//   then norm.{l}.weight (D), norm.{l}.bias (D) per layer when layer_norm (nn.ModuleList of
//   nn.LayerNorm named `norm`), then pool.attention.weight (A, D), pool.attention.bias (A),
//   pool.attention.v (A) when pooling = attention; then head.weight (C, D), head.bias (C).
// All parameters live in one contiguous float buffer in exactly this order (the optimizer works
// on the flat span); gradients in a second buffer of the same layout.
// Non-trained buffers: input_norm.mean (F), input_norm.std (F).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/base/tensor.h"
#include "core/config/model_options.h"

namespace calmspace {

struct ParamView {
  std::string name;                 // e.g. "rnn.weight_ih_l0_reverse"
  std::vector<std::int64_t> shape;  // row-major
  std::int64_t offset = 0;          // into the flat buffers
  std::int64_t size = 0;            // product of shape
};

// Computes the layout above: names, shapes and offsets, in order.
std::vector<ParamView> parameter_layout(const ModelOptions& options, int input_dim,
                                        int num_classes);

// The first `length` frames of clip `row` of a batch, to be predicted as a clip of its own.
struct PrefixRow {
  std::int64_t row = 0;
  std::int64_t length = 0;  // 1 <= length <= the clip's length
};

// Error unless every prefix names a row of x and between 1 frame and that clip's length.
void check_prefixes(const PaddedBatch& x, std::span<const PrefixRow> prefixes);

class SequenceModel {
 public:
  virtual ~SequenceModel() = default;

  virtual const ModelOptions& options() const = 0;
  virtual int input_dim() const = 0;    // F
  virtual int num_classes() const = 0;  // C
  virtual std::string backend_name() const = 0;

  const std::vector<ParamView>& layout() const { return layout_; }
  // Flat parameter and gradient buffers (host memory for the CPU backend; the CUDA backend
  // mirrors them to and from the device at its own synchronisation points).
  virtual std::span<float> weights() = 0;
  virtual std::span<float> gradients() = 0;
  virtual void zero_gradients() = 0;

  // Per-feature normalisation applied to inputs: x' = (x - mean) / std (only if input_norm).
  virtual void set_input_norm(std::span<const float> mean, std::span<const float> std) = 0;
  virtual std::span<const float> input_mean() const = 0;
  virtual std::span<const float> input_std() const = 0;

  // x: (B, T, F) padded with lengths. Writes logits (B, C). `training` enables dropout, drawn
  // from `dropout_seed` (the same seed gives the same masks on every backend).
  virtual void forward(const PaddedBatch& x, std::vector<float>& logits, bool training,
                       std::uint64_t dropout_seed) = 0;
  // Inference: logits (B + P, C): the B clips of x, then each of the P prefixes as if it were a
  // clip of its own (an emotion timeline's first window is a prefix of its recording). This
  // default copies the prefixes in as extra rows of one forward pass; a backend may instead read
  // a unidirectional model's states off the full clip, since they depend on earlier frames only.
  virtual void predict_with_prefixes(const PaddedBatch& x, std::span<const PrefixRow> prefixes,
                                     std::vector<float>& logits);
  // dlogits (B, C) for the last forward(training = true): ADDS parameter gradients. One backward
  // per training forward: the cuDNN backend's backward consumes the state its forward saved.
  virtual void backward(std::span<const float> dlogits) = 0;

  // Host threads the backend may use (0 = all cores); a backend without host threads ignores it.
  virtual void set_num_threads(int threads) { (void)threads; }

  // The stream (a cudaStream_t, as void*) a device backend queues its work on, so benchmarks can
  // time that work with CUDA events; nullptr for host backends.
  virtual void* device_stream() const { return nullptr; }

 protected:
  std::vector<ParamView> layout_;
};

// Bytes per frame of a batch that forward() holds on the CPU backend (normalised input, each
// layer's outputs, gates and cell states, attention scores): how its memory grows with frames.
std::int64_t forward_bytes_per_frame(const ModelOptions& options, int input_dim);

// The CPU backend (BLAS fast path). Weights initialised as PyTorch does (uniform
// +-1/sqrt(H) for recurrent layers; head and attention uniform +-1/sqrt(fan_in)), from `seed`.
std::unique_ptr<SequenceModel> make_cpu_sequence_model(const ModelOptions& options, int input_dim,
                                                       int num_classes, std::uint64_t seed);

}  // namespace calmspace
