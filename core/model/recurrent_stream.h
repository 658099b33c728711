// A unidirectional model run over a sequence that arrives in blocks of frames (a long recording,
// a live stream): the logits its forward() gives for the whole sequence as one clip, to float
// rounding, with memory for one block instead of the sequence.
//   - each layer carries its last state (h; c for the LSTM) from block to block; the block's input
//     projection is one matrix product, then the steps run with the same row kernels and
//     small_gemm as the CPU backend (cpu_sequence_model.h), in float32; residual and layer norm
//     between layers per frame (residual_norm.h);
//   - pooling keeps a running summary: mean a running sum, max a running maximum (first argmax),
//     last the last state, attention an online softmax (Milakov & Gimelshein 2018, "Online
//     normalizer calculation for softmax"): the running maximum score m, s = sum exp(e_t - m)
//     and a = sum exp(e_t - m) y_t, rescaled by exp(m_old - m_new) when m grows; P = a / s.
// A convolutional front-end (conv_frontend.h) is causal in time: each block keeps its last kt - 1
// input frames and emits an output frame on every st-th input frame, as forward() would; a push's
// output frames are one matrix product (patches x weights) per block.
// A bidirectional model needs every frame before its reverse pass starts: supports() says so.
// Weights are copied at construction (from any backend: SequenceModel::weights() is host memory).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/conv_frontend.h"
#include "core/model/param_index.h"
#include "core/model/sequence_model.h"

namespace calmspace {

class RecurrentStream {
 public:
  // Empty when `options` can be streamed; otherwise the reason it cannot.
  static std::string unsupported_reason(const ModelOptions& options);

  explicit RecurrentStream(SequenceModel& model);

  // frames: (n, F) row-major raw features (the model's input normalisation is applied here).
  void push(const float* frames, std::int64_t n);
  std::int64_t frames() const { return frames_; }  // feature frames pushed
  // Back to the start of a new sequence (no frame pushed), keeping the weights: cheaper than a
  // new stream, whose construction transposes them.
  void reset();
  // The logits (C) of every frame pushed so far as one clip. Error before the first frame.
  std::vector<float> logits() const;

 private:
  struct LayerState {
    std::vector<float> wih_t, whh_t;  // (I, G*H), (H, G*H): transposed for small_gemm
    std::vector<float> bsum;          // (G*H) b_ih + b_hh
    std::vector<float> h, c;          // (H) the last step's state (c: LSTM)
  };
  // One front-end block: its last kt - 1 input frames followed by this push's frames
  // (kt - 1 + n, in_row), zero before the sequence; the input frames it has read; W^T (K, c_out).
  struct FrontendState {
    std::vector<float> frames_buffer;
    std::int64_t frames = 0;
    std::vector<float> w_t;
  };
  // The block's output frames (m, out_row) for n input frames (n, in_row), appended to `out`.
  void frontend_block(std::size_t k, const float* x, std::int64_t n, std::vector<float>& out);
  void layer_block(int layer, const float* x, std::int64_t n, float* y);
  void pool_block(const float* y, std::int64_t n);

  ModelOptions options_;
  int F_, C_, H_, G_;
  ModelParamIndex index_;
  std::vector<float> w_, mean_, inv_std_;
  std::vector<LayerState> layers_;
  std::vector<ConvBlockShape> blocks_;
  std::vector<FrontendState> frontend_;
  std::vector<std::vector<float>> frontend_out_;  // per block: this push's output frames
  std::vector<float> spectral_, joined_;  // model.conv_bypass: block 0's input, layer 0's input
  std::int64_t frames_ = 0;               // feature frames pushed
  std::int64_t steps_ = 0;  // frames the recurrent layers have run (fewer with a time stride)

  // Block workspaces (reused): normalised input, gates, per-layer outputs, recurrent product,
  // attention pre-activations.
  std::vector<float> x0_, gates_, aux_, aux2_, rec_, zeros_, u_;
  std::vector<std::vector<float>> outs_;
  std::vector<std::vector<float>> posts_;  // per layer: outputs after residual / layer norm
  std::vector<float> xhat_;                // (H) layer norm scratch
  std::vector<float> patches_, conv_;      // front-end: (m f_out, K) patches, (m f_out, c_out)

  // Pooling summary.
  std::vector<float> sum_;  // mean: sum of y; attention: a; max: running max; last: last y
  float score_max_ = 0.0f;  // attention: m
  float score_sum_ = 0.0f;  // attention: s
};

}  // namespace calmspace
