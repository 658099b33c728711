// The FAST CPU backend (float32, OpenBLAS). Per layer and direction:
//   - clips are sorted by length (descending) so the clips still running at frame t are a
//     prefix of the batch; buffers are batch-major (B, T, .) in that order;
//   - the batch is split into contiguous row chunks, one task per (chunk, direction), each
//     running its whole time loop with single-threaded sgemm calls (no synchronisation per
//     step): input projection X W_ih^T per clip, then per step H_prev W_hh^T over the active
//     rows (strided rows, lda = T * D) and fused gate math;
//   - backward runs BPTT per chunk the same way, then weight gradients as per-clip GEMMs over
//     row slices of W (each task owns its rows: no reduction) and the input gradient.
// Workspaces live in the object and are reused between calls (no allocation per step).
// OpenBLAS is set to one thread: parallelism is over batch chunks / weight rows.
// Residual and layer norm between layers (residual_norm.h) run per frame, parallel over clips.
// A convolutional front-end (cpu_conv_frontend.h) runs first; B_, T_ and len_ are then the
// recurrent layers' frames.
#pragma once

#include <cstdint>
#include <vector>

#include "core/model/cpu_conv_frontend.h"
#include "core/model/param_index.h"
#include "core/model/pooling.h"
#include "core/model/sequence_model.h"

namespace calmspace {

class CpuSequenceModel final : public SequenceModel {
 public:
  CpuSequenceModel(const ModelOptions& options, int input_dim, int num_classes, std::uint64_t seed);

  const ModelOptions& options() const override { return options_; }
  int input_dim() const override { return F_; }
  int num_classes() const override { return C_; }
  std::string backend_name() const override { return "cpu"; }
  std::span<float> weights() override { return w_; }
  std::span<float> gradients() override { return g_; }
  void zero_gradients() override;
  void set_input_norm(std::span<const float> mean, std::span<const float> std) override;
  std::span<const float> input_mean() const override { return mean_; }
  std::span<const float> input_std() const override { return std_; }
  void forward(const PaddedBatch& x, std::vector<float>& logits, bool training,
               std::uint64_t dropout_seed) override;
  // Unidirectional: one pass over x; each prefix pools the states its clip already has.
  void predict_with_prefixes(const PaddedBatch& x, std::span<const PrefixRow> prefixes,
                             std::vector<float>& logits) override;
  void backward(std::span<const float> dlogits) override;
  void set_num_threads(int threads) override;

 private:
  struct Layer {
    std::vector<float> out;      // (B, T, D) outputs, zero on padded rows
    std::vector<float> post;     // (B, T, D) after residual / layer norm (residual_norm.h)
    std::vector<float> xhat;     // (B, T, D) normalised r (layer_norm)
    std::vector<float> rstd;     // (B, T) 1 / sqrt(var + eps) per frame (layer_norm)
    bool has_post = false;       // post is this layer's output (else out)
    std::vector<float> mask;     // (B, T, D) dropout multipliers (training only)
    std::vector<float> dropped;  // (B, T, D) output * mask: next layer's input
    bool has_dropout = false;
    std::vector<std::vector<float>> gates;  // per direction (B, T, G*H) activated gates
    std::vector<std::vector<float>> aux;    // per direction (B, T, H): LSTM c, GRU W_hn h + b_hn
    std::vector<std::vector<float>> aux2;   // per direction (B, T, H): LSTM tanh(c)
    std::vector<std::vector<float>> wih_t;  // per direction (I, G*H): W_ih transposed
    std::vector<std::vector<float>> whh_t;  // per direction (H, G*H): W_hh transposed
  };
  const float* layer_input(int layer) const;
  const float* layer_output(int layer) const;  // post or out
  void post_forward(int layer);
  void post_backward(int layer);  // dout_: dL/dz -> dL/dr in place; ADDS gamma/beta grads
  void layer_forward(int layer);
  void layer_backward(int layer, bool need_input_grad);
  void forward_task(int layer, int dir, std::int64_t s0, std::int64_t s1, std::vector<float>& r);
  void backward_task(int layer, int dir, std::int64_t s0, std::int64_t s1, std::vector<float>& dh,
                     std::vector<float>& dc);
  int threads() const;
  int chunks() const;

  ModelOptions options_;
  int F_, C_, H_, G_, D_;
  int threads_ = 0;
  ModelParamIndex index_;
  std::vector<float> w_, g_, mean_, std_;
  std::vector<float> zeros_;  // (H) the zero state

  // Last forward (sorted order s; order_[s] = original clip index).
  std::int64_t B_ = 0, T_ = 0;
  bool trained_forward_ = false;
  std::vector<std::int64_t> order_, len_;  // (B)
  std::vector<std::int64_t> active_;       // (T) clips with length > t
  std::vector<float> x0_;                  // (B, T, F) normalised, sorted
  CpuConvFrontend frontend_;               // reads x0_; its output is layer 0's input
  std::vector<Layer> layers_;
  std::vector<float> pooled_;  // (B, D) sorted
  PoolCache<float> pool_cache_;
  std::vector<float> logits_s_;  // (B, C) sorted

  // Backward workspaces.
  std::vector<float> dout_, din_;              // (B, T, D) / (B, T, I)
  std::vector<std::vector<float>> dgi_, dgr_;  // per direction (B, T, G*H); dgr_ GRU only
  std::vector<std::vector<float>> scratch_a_, scratch_b_;  // per task
  std::vector<float> dlog_s_, dpooled_;
};

}  // namespace calmspace
