// The convolutional front-end (conv_frontend.h) on the fast CPU backend, float32: per block and
// clip, the valid output frames' patches are gathered into a matrix with one row per kernel tap
// (transposed im2col: K = C_in kt kf rows, columns (t', f')), so that one small_gemm gives
// W (C_out, K) x patches = each output channel's values of every frame as a contiguous row, and
// the layout (t', C_out, f') is a copy of f_out-value runs; layer norm and the activation run per
// frame. Parallel over at most 8 fixed groups of clips. Backward recomputes the patches (they
// would cost K values per output value to keep), adds each clip's weight gradient
// (dY patches^T) to its group's in clip order and sums the groups in order, so the result does
// not depend on the thread count; the input gradient is W^T dY scattered back (col2im), for every
// block but the first (features are not trained). With model.conv_bypass the first block reads a
// copy of the spectral columns, and the output joins the bypassed columns to the last block's rows
// (conv_frontend.h).
#pragma once

#include <cstdint>
#include <vector>

#include "core/config/model_options.h"
#include "core/model/conv_frontend.h"
#include "core/model/param_index.h"

namespace calmspace {

class CpuConvFrontend {
 public:
  CpuConvFrontend(const ModelOptions& options, int input_dim);

  bool empty() const { return blocks_.empty(); }

  // x (B, T, F): normalised features, rows past lengths[b] zero (kept by the caller until
  // backward when nothing bypasses the convolution; with conv_bypass the first block reads a
  // copy). Writes output() (B, T', D0) with T' = frames_out(), zero past lengths_out().
  void forward(const float* weights, const ModelParamIndex& index, const float* x,
               std::int64_t batch, std::int64_t frames, const std::int64_t* lengths, int threads);
  const std::vector<float>& output() const { return bypass_ > 0 ? joined_ : act_.back(); }
  std::int64_t frames_out() const { return frames_.back(); }
  const std::vector<std::int64_t>& lengths_out() const { return lengths_.back(); }

  // dout (B, T', D0) for the last forward: ADDS the front-end's parameter gradients.
  void backward(const float* weights, const ModelParamIndex& index, float* gradients,
                const float* dout, int threads);

 private:
  // Patches of clip b's valid output frames of block k, transposed: col (K, M), M = len_out f_out,
  // row (ci kt + i) kf + j holding tap (ci, i, j) of output (t', f') at column t' f_out + f'.
  void gather_columns(std::size_t k, std::int64_t b, std::vector<float>& col) const;

  ActivationKind activation_;
  std::vector<ConvBlockShape> blocks_;
  int input_dim_ = 0, bypass_ = 0;  // F, model.conv_bypass
  std::int64_t time_stride_ = 1;    // S
  std::vector<float> spectral_;     // with bypass_: (B, T, F - bypass_), the first block's input
  std::vector<float> joined_;       // with bypass_: (B, T', D0)
  std::vector<float> dconv_;        // with bypass_: (B, T', N) of the last block
  const float* x_ = nullptr;        // the first block's input (caller-owned)
  std::int64_t batch_ = 0;
  std::vector<std::int64_t> frames_;                         // per block boundary: T, T_1, ..., T_K
  std::vector<std::vector<std::int64_t>> lengths_;           // per boundary (B)
  std::vector<std::vector<float>> pre_, xhat_, rstd_, act_;  // per block (B, T_k, N_k) / (B, T_k)
  std::vector<std::vector<float>> scratch_, scratch2_;       // per group of clips
  std::vector<std::vector<float>> partial_;                  // per group: dW, db, dgamma, dbeta
  std::vector<float> dz_, dx_;
  std::vector<float> wt_;  // the block's W^T (K, C_out) during backward
};

}  // namespace calmspace
