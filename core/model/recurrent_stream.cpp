// RecurrentStream (see recurrent_stream.h). Like cpu_sequence_model.cpp, compiled so that GCC
// vectorises fast_tanh's clamps in the attention scores.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#include "core/model/recurrent_stream.h"

#include <algorithm>
#include <cmath>

#include "core/base/error.h"
#include "core/model/cell_kernels.h"
#include "core/model/pooling.h"
#include "core/model/residual_norm.h"
#include "core/model/small_gemm.h"

namespace calmspace {
namespace {

// out (cols, rows) = m (rows, cols) transposed.
std::vector<float> transposed(const float* m, std::int64_t rows, std::int64_t cols) {
  std::vector<float> out(static_cast<std::size_t>(rows * cols));
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c)
      out[static_cast<std::size_t>(c * rows + r)] = m[r * cols + c];
  return out;
}

}  // namespace

std::string RecurrentStream::unsupported_reason(const ModelOptions& options) {
  if (options.bidirectional)
    return "a bidirectional model reads every frame before its reverse pass can start";
  return "";
}

RecurrentStream::RecurrentStream(SequenceModel& model)
    : options_(model.options()),
      F_(model.input_dim()),
      C_(model.num_classes()),
      H_(options_.hidden_size),
      G_(gate_count(options_.cell)),
      index_(make_param_index(options_, model.input_dim(), model.num_classes())),
      blocks_(conv_block_shapes(options_, model.input_dim())) {
  if (const std::string why = unsupported_reason(options_); !why.empty())
    throw Error("cannot stream this model: " + why);
  const std::span<const float> w = model.weights();
  w_.assign(w.begin(), w.end());
  const auto mean = model.input_mean(), std = model.input_std();
  mean_.assign(mean.begin(), mean.end());
  inv_std_.resize(std.size());
  for (std::size_t f = 0; f < std.size(); ++f) inv_std_[f] = 1.0f / std[f];
  const std::int64_t GH = G_ * H_;
  for (int l = 0; l < options_.num_layers; ++l) {
    const RnnParamOffsets& p = index_.at(l, 0, 1);
    LayerState s;
    s.wih_t = transposed(&w_[p.w_ih], GH, p.input);
    s.whh_t = transposed(&w_[p.w_hh], GH, H_);
    s.bsum.resize(static_cast<std::size_t>(GH));
    for (std::int64_t g = 0; g < GH; ++g) s.bsum[g] = w_[p.b_ih + g] + w_[p.b_hh + g];
    s.h.assign(static_cast<std::size_t>(H_), 0.0f);
    s.c.assign(static_cast<std::size_t>(H_), 0.0f);
    layers_.push_back(std::move(s));
  }
  zeros_.assign(static_cast<std::size_t>(H_), 0.0f);
  outs_.resize(static_cast<std::size_t>(options_.num_layers));
  posts_.resize(static_cast<std::size_t>(options_.num_layers));
  sum_.assign(static_cast<std::size_t>(H_), 0.0f);
  frontend_.resize(blocks_.size());
  frontend_out_.resize(blocks_.size());
  for (std::size_t k = 0; k < blocks_.size(); ++k)
    frontend_[k].w_t = transposed(&w_[index_.conv[k].w], blocks_[k].c_out, blocks_[k].patch());
  reset();  // zero states, summaries and the front-end's frames before the sequence
}

void RecurrentStream::reset() {
  for (LayerState& s : layers_) {
    std::fill(s.h.begin(), s.h.end(), 0.0f);
    std::fill(s.c.begin(), s.c.end(), 0.0f);
  }
  std::fill(sum_.begin(), sum_.end(), 0.0f);
  score_max_ = score_sum_ = 0.0f;
  for (std::size_t k = 0; k < frontend_.size(); ++k) {
    FrontendState& f = frontend_[k];
    f.frames_buffer.assign(static_cast<std::size_t>((blocks_[k].kt - 1) * blocks_[k].in_row()),
                           0.0f);
    f.frames = 0;
  }
  frames_ = steps_ = 0;
}

void RecurrentStream::frontend_block(std::size_t k, const float* x, std::int64_t n,
                                     std::vector<float>& out) {
  const ConvBlockShape& s = blocks_[k];
  const ConvParamOffsets& p = index_.conv[k];
  FrontendState& f = frontend_[k];
  const std::int64_t In = s.in_row(), N = s.out_row(), K = s.patch(), keep = s.kt - 1;
  // [the last kt - 1 frames | x]: local frame keep + t is input frame f.frames + t.
  f.frames_buffer.resize(static_cast<std::size_t>((keep + n) * In));
  std::copy_n(x, n * In, f.frames_buffer.data() + keep * In);
  // Output frames: input frames i = f.frames + t with i % st == 0.
  const std::int64_t first = (s.st - f.frames % s.st) % s.st;
  const std::int64_t m = first < n ? (n - 1 - first) / s.st + 1 : 0;
  out.resize(static_cast<std::size_t>(m * N));
  xhat_.resize(std::max<std::size_t>(xhat_.size(), static_cast<std::size_t>(N)));
  const float* bias = &w_[p.b];
  // Up to kFramesPerProduct output frames per product: the patches stay a few hundred KB.
  constexpr std::int64_t kFramesPerProduct = 32;
  for (std::int64_t o = 0; o < m; ++o) {
    const std::int64_t r = o % kFramesPerProduct;
    if (r == 0) {
      const std::int64_t count = std::min(kFramesPerProduct, m - o);
      patches_.resize(static_cast<std::size_t>(count * s.f_out * K));
      for (std::int64_t q = 0; q < count; ++q)
        gather_frame_patches<float>(s, f.frames_buffer.data(), keep + first + (o + q) * s.st,
                                    patches_.data() + q * s.f_out * K);
      // conv_ (count f_out, c_out) = patches (count f_out, K) W^T
      conv_.resize(static_cast<std::size_t>(count * s.f_out * s.c_out));
      small_gemm(count * s.f_out, s.c_out, K, patches_.data(), K, f.w_t.data(), conv_.data(),
                 s.c_out);
    }
    float* z = out.data() + o * N;
    for (int co = 0; co < s.c_out; ++co)
      for (int fo = 0; fo < s.f_out; ++fo)
        z[co * s.f_out + fo] = conv_[(r * s.f_out + fo) * s.c_out + co] + bias[co];
    if (p.gamma >= 0) {
      float rstd = 0.0f;
      residual_norm_row<float>(z, nullptr, &w_[p.gamma], &w_[p.beta], N, z, xhat_.data(), &rstd);
    }
    conv_activate_row(options_.conv_activation, z, N, z);
  }
  // Keep the last kt - 1 frames for the next push.
  std::copy(f.frames_buffer.end() - keep * In, f.frames_buffer.end(), f.frames_buffer.begin());
  f.frames_buffer.resize(static_cast<std::size_t>(keep * In));
  f.frames += n;
}

void RecurrentStream::push(const float* frames, std::int64_t n) {
  if (n <= 0) return;
  x0_.resize(static_cast<std::size_t>(n * F_));
  for (std::int64_t t = 0; t < n; ++t)
    for (int f = 0; f < F_; ++f) {
      const float v = frames[t * F_ + f];
      x0_[t * F_ + f] = options_.input_norm ? (v - mean_[f]) * inv_std_[f] : v;
    }
  const float* x = x0_.data();
  const int P = options_.conv_bypass;
  const std::int64_t first_frame = frames_;
  if (P > 0) {  // the first block reads the spectral columns (conv_frontend.h)
    const std::int64_t Fs = blocks_.front().f_in;
    spectral_.resize(static_cast<std::size_t>(n * Fs));
    copy_leading_columns(x, n, std::int64_t{F_}, Fs, spectral_.data());
    x = spectral_.data();
  }
  frames_ += n;
  for (std::size_t k = 0; k < blocks_.size(); ++k) {
    frontend_block(k, x, n, frontend_out_[k]);
    x = frontend_out_[k].data();
    n = static_cast<std::int64_t>(frontend_out_[k].size()) / blocks_[k].out_row();
  }
  if (n == 0) return;  // a time stride: no new step yet
  if (P > 0) {  // output frame t' joins feature frame S t': this push's frames that are multiples
    const std::int64_t N = blocks_.back().out_row(), stride = frontend_time_stride(options_);
    joined_.resize(static_cast<std::size_t>(n * (N + P)));
    const std::int64_t first = (stride - first_frame % stride) % stride;
    for (std::int64_t o = 0; o < n; ++o)
      join_bypass_row(x + o * N, N, x0_.data() + (first + o * stride) * F_, F_, P,
                      joined_.data() + o * (N + P));
    x = joined_.data();
  }
  for (int l = 0; l < options_.num_layers; ++l) {
    auto& y = outs_[static_cast<std::size_t>(l)];
    y.resize(static_cast<std::size_t>(n * H_));
    layer_block(l, x, n, y.data());
    const bool residual = options_.residual && l > 0;
    if (!residual && !options_.layer_norm) {
      x = y.data();
      continue;
    }
    // Residual / layer norm per frame (residual_norm.h); the carried state stays the raw y.
    auto& z = posts_[static_cast<std::size_t>(l)];
    z.resize(static_cast<std::size_t>(n * H_));
    xhat_.resize(static_cast<std::size_t>(H_));
    const float* gamma = options_.layer_norm ? &w_[index_.norm_w[l]] : nullptr;
    const float* beta = options_.layer_norm ? &w_[index_.norm_b[l]] : nullptr;
    float rstd = 0.0f;
    for (std::int64_t t = 0; t < n; ++t)
      residual_norm_row<float>(y.data() + t * H_, residual ? x + t * H_ : nullptr, gamma, beta, H_,
                               z.data() + t * H_, xhat_.data(), &rstd);
    x = z.data();
  }
  pool_block(x, n);
  steps_ += n;
}

// Steps of one layer over the block, from and to the carried state; y (n, H).
void RecurrentStream::layer_block(int layer, const float* x, std::int64_t n, float* y) {
  LayerState& s = layers_[static_cast<std::size_t>(layer)];
  const RnnParamOffsets& p = index_.at(layer, 0, 1);
  const std::int64_t H = H_, GH = G_ * H_;
  gates_.resize(static_cast<std::size_t>(n * GH));
  rec_.resize(static_cast<std::size_t>(GH));
  small_gemm(n, GH, p.input, x, p.input, s.wih_t.data(), gates_.data(), GH);
  const bool lstm = options_.cell == CellKind::Lstm, gru = options_.cell == CellKind::Gru;
  if (lstm || gru) aux_.resize(static_cast<std::size_t>(n * H));
  if (lstm) aux2_.resize(static_cast<std::size_t>(n * H));
  for (std::int64_t t = 0; t < n; ++t) {
    // h_prev W_hh^T; the sequence's first step has no previous state (zero, as in forward()).
    const bool first = steps_ == 0 && t == 0;
    const float* hp = t > 0 ? y + (t - 1) * H : s.h.data();
    if (first)
      std::fill(rec_.begin(), rec_.end(), 0.0f);
    else
      small_gemm(1, GH, H, hp, H, s.whh_t.data(), rec_.data(), GH);
    float* g = gates_.data() + t * GH;
    float* h = y + t * H;
    switch (options_.cell) {
      case CellKind::RnnTanh:
      case CellKind::RnnRelu:
        kernels::rnn_forward_row(g, rec_.data(), s.bsum.data(), h, H_,
                                 options_.cell == CellKind::RnnRelu);
        break;
      case CellKind::Lstm: {
        const float* cp = t > 0 ? aux_.data() + (t - 1) * H : s.c.data();
        kernels::lstm_forward_row(g, rec_.data(), s.bsum.data(), first ? zeros_.data() : cp,
                                  aux_.data() + t * H, aux2_.data() + t * H, h, H_);
        break;
      }
      case CellKind::Gru:
        kernels::gru_forward_row(g, rec_.data(), &w_[p.b_ih], &w_[p.b_hh],
                                 first ? zeros_.data() : hp, aux_.data() + t * H, h, H_);
        break;
    }
  }
  std::copy_n(y + (n - 1) * H, H, s.h.data());
  if (lstm) std::copy_n(aux_.data() + (n - 1) * H, H, s.c.data());
}

void RecurrentStream::pool_block(const float* y, std::int64_t n) {
  const std::int64_t D = H_;
  switch (options_.pooling) {
    case PoolingKind::Mean:
      for (std::int64_t t = 0; t < n; ++t)
        for (std::int64_t j = 0; j < D; ++j) sum_[j] += y[t * D + j];
      break;
    case PoolingKind::Max:
      for (std::int64_t t = 0; t < n; ++t)
        for (std::int64_t j = 0; j < D; ++j)
          if ((steps_ == 0 && t == 0) || y[t * D + j] > sum_[j]) sum_[j] = y[t * D + j];
      break;
    case PoolingKind::Last:
      std::copy_n(y + (n - 1) * D, D, sum_.data());
      break;
    case PoolingKind::Attention: {
      const std::int64_t A = options_.attention_dim;
      u_.resize(static_cast<std::size_t>(n * A));
      attention_preactivations(y, n, D, &w_[index_.att_w], &w_[index_.att_b], A, u_.data());
      const float* v = &w_[index_.att_v];
      for (std::int64_t t = 0; t < n; ++t) {
        float e = 0.0f;
        for (std::int64_t a = 0; a < A; ++a) e += v[a] * pool_tanh(u_[t * A + a]);
        if (steps_ == 0 && t == 0) {
          score_max_ = e;
        } else if (e > score_max_) {  // rescale the sums to the new maximum
          const float scale = std::exp(score_max_ - e);
          score_sum_ *= scale;
          for (float& a : sum_) a *= scale;
          score_max_ = e;
        }
        const float weight = std::exp(e - score_max_);
        score_sum_ += weight;
        for (std::int64_t j = 0; j < D; ++j) sum_[j] += weight * y[t * D + j];
      }
      break;
    }
  }
}

std::vector<float> RecurrentStream::logits() const {
  CALMSPACE_CHECK(steps_ > 0, "logits of an empty stream");
  std::vector<float> pooled = sum_;
  if (options_.pooling == PoolingKind::Mean)
    for (float& p : pooled) p /= static_cast<float>(steps_);
  if (options_.pooling == PoolingKind::Attention)
    for (float& p : pooled) p /= score_sum_;
  std::vector<float> out(static_cast<std::size_t>(C_));
  head_forward<float>(1, H_, C_, pooled.data(), &w_[index_.head_w], &w_[index_.head_b], out.data());
  return out;
}

}  // namespace calmspace
