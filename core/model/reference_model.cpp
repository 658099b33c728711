// ReferenceModel: naive forward and backpropagation through time (see reference_model.h).
#include "core/model/reference_model.h"

#include <algorithm>
#include <cmath>

#include "core/base/error.h"
#include "core/model/dropout.h"
#include "core/model/residual_norm.h"

namespace calmspace {

namespace {
template <class S>
S sigmoid(S x) {
  return S(1) / (S(1) + std::exp(-x));
}
}  // namespace

template <class S>
ReferenceModel<S>::ReferenceModel(const ModelOptions& options, int input_dim, int num_classes)
    : options_(options),
      F_(input_dim),
      C_(num_classes),
      H_(options.hidden_size),
      G_(gate_count(options.cell)),
      D_(options.output_dim()),
      index_(make_param_index(options, input_dim, num_classes)),
      w_(static_cast<std::size_t>(index_.total), S(0)),
      g_(static_cast<std::size_t>(index_.total), S(0)),
      mean_(static_cast<std::size_t>(input_dim), S(0)),
      std_(static_cast<std::size_t>(input_dim), S(1)),
      blocks_(conv_block_shapes(options, input_dim)) {}

template <class S>
void ReferenceModel<S>::forward(const RefBatch<S>& x, std::vector<S>& logits, bool training,
                                std::uint64_t dropout_seed) {
  CALMSPACE_CHECK(x.dim == F_, "input dim ", x.dim, " != ", F_);
  CALMSPACE_CHECK(static_cast<std::int64_t>(x.lengths.size()) == x.batch);
  B_ = x.batch;
  T_ = input_frames_ = x.max_frames;
  lengths_ = input_lengths_ = x.lengths;
  for (auto len : lengths_) CALMSPACE_CHECK(len >= 1 && len <= T_, "length ", len);
  const int L = options_.num_layers;
  layers_.assign(static_cast<std::size_t>(L), LayerCache{});
  // Input normalisation on valid frames; padded rows stay zero.
  std::vector<S> in0(static_cast<std::size_t>(B_ * T_ * F_), S(0));
  for (std::int64_t b = 0; b < B_; ++b)
    for (std::int64_t t = 0; t < lengths_[b]; ++t)
      for (int f = 0; f < F_; ++f) {
        const auto i = static_cast<std::size_t>((b * T_ + t) * F_ + f);
        in0[i] = options_.input_norm ? (x.data[i] - mean_[f]) / std_[f] : x.data[i];
      }
  layers_[0].in = frontend_forward(std::move(in0));
  for (int l = 0; l < L; ++l) {
    auto& c = layers_[static_cast<std::size_t>(l)];
    layer_forward(l, c);
    post_forward(l, c);
    if (l + 1 == L) break;
    auto& next = layers_[static_cast<std::size_t>(l) + 1].in;
    next = c.output();
    if (training && options_.dropout > 0) {
      c.mask.assign(c.out.size(), S(0));
      for (std::int64_t b = 0; b < B_; ++b)
        for (std::int64_t t = 0; t < lengths_[b]; ++t) {
          const auto key = dropout_row_key(dropout_seed, l, b, t);
          for (int j = 0; j < D_; ++j) {
            const auto i = static_cast<std::size_t>((b * T_ + t) * D_ + j);
            c.mask[i] = static_cast<S>(dropout_scale(key, j, options_.dropout));
            next[i] *= c.mask[i];
          }
        }
    }
  }
  PoolShape s{B_, T_, D_, H_, options_.attention_dim, options_.directions(), options_.pooling};
  pooled_.assign(static_cast<std::size_t>(B_ * D_), S(0));
  const bool att = options_.pooling == PoolingKind::Attention;
  pool_forward<S>(s, layers_.back().output().data(), lengths_.data(),
                  att ? &w_[index_.att_w] : nullptr, att ? &w_[index_.att_b] : nullptr,
                  att ? &w_[index_.att_v] : nullptr, pooled_.data(), pool_cache_);
  logits.assign(static_cast<std::size_t>(B_ * C_), S(0));
  head_forward<S>(B_, D_, C_, pooled_.data(), &w_[index_.head_w], &w_[index_.head_b],
                  logits.data());
}

template <class S>
void ReferenceModel<S>::layer_forward(int layer, LayerCache& c) {
  const int dirs = options_.directions();
  const std::int64_t H = H_, GH = G_ * H_, I = index_.at(layer, 0, dirs).input;
  c.out.assign(static_cast<std::size_t>(B_ * T_ * D_), S(0));
  c.gates.assign(static_cast<std::size_t>(dirs * B_ * T_ * GH), S(0));
  c.cell.assign(static_cast<std::size_t>(dirs * B_ * T_ * H), S(0));
  c.hn.assign(static_cast<std::size_t>(dirs * B_ * T_ * H), S(0));
  std::vector<S> a(static_cast<std::size_t>(GH)), r(static_cast<std::size_t>(GH));
  std::vector<S> hprev(static_cast<std::size_t>(H)), cprev(static_cast<std::size_t>(H));
  for (int d = 0; d < dirs; ++d) {
    const auto& p = index_.at(layer, d, dirs);
    const S* Wih = &w_[p.w_ih];
    const S* Whh = &w_[p.w_hh];
    const S* bih = &w_[p.b_ih];
    const S* bhh = &w_[p.b_hh];
    for (std::int64_t b = 0; b < B_; ++b) {
      const std::int64_t len = lengths_[b];
      for (std::int64_t k = 0; k < len; ++k) {
        const std::int64_t t = d == 0 ? k : len - 1 - k;
        const std::int64_t tp = d == 0 ? t - 1 : t + 1;
        for (std::int64_t j = 0; j < H; ++j) {
          hprev[j] = k > 0 ? c.out[(b * T_ + tp) * D_ + d * H + j] : S(0);
          cprev[j] = k > 0 ? c.cell[((d * B_ + b) * T_ + tp) * H + j] : S(0);
        }
        const S* xt = &c.in[(b * T_ + t) * I];
        for (std::int64_t g = 0; g < GH; ++g) {
          S zi = bih[g], zh = bhh[g];
          for (std::int64_t i = 0; i < I; ++i) zi += Wih[g * I + i] * xt[i];
          for (std::int64_t j = 0; j < H; ++j) zh += Whh[g * H + j] * hprev[j];
          a[g] = zi;
          r[g] = zh;
        }
        S* gates = &c.gates[((d * B_ + b) * T_ + t) * GH];
        S* h = &c.out[(b * T_ + t) * D_ + d * H];
        switch (options_.cell) {
          case CellKind::RnnTanh:
            for (std::int64_t j = 0; j < H; ++j) h[j] = gates[j] = std::tanh(a[j] + r[j]);
            break;
          case CellKind::RnnRelu:
            for (std::int64_t j = 0; j < H; ++j) h[j] = gates[j] = std::max(S(0), a[j] + r[j]);
            break;
          case CellKind::Lstm: {
            S* cell = &c.cell[((d * B_ + b) * T_ + t) * H];
            for (std::int64_t j = 0; j < H; ++j) {
              const S ig = sigmoid(a[j] + r[j]);
              const S fg = sigmoid(a[H + j] + r[H + j]);
              const S gg = std::tanh(a[2 * H + j] + r[2 * H + j]);
              const S og = sigmoid(a[3 * H + j] + r[3 * H + j]);
              gates[j] = ig;
              gates[H + j] = fg;
              gates[2 * H + j] = gg;
              gates[3 * H + j] = og;
              cell[j] = fg * cprev[j] + ig * gg;
              h[j] = og * std::tanh(cell[j]);
            }
            break;
          }
          case CellKind::Gru: {
            S* hn = &c.hn[((d * B_ + b) * T_ + t) * H];
            for (std::int64_t j = 0; j < H; ++j) {
              const S rg = sigmoid(a[j] + r[j]);
              const S zg = sigmoid(a[H + j] + r[H + j]);
              hn[j] = r[2 * H + j];
              const S ng = std::tanh(a[2 * H + j] + rg * hn[j]);
              gates[j] = rg;
              gates[H + j] = zg;
              gates[2 * H + j] = ng;
              h[j] = (S(1) - zg) * ng + zg * hprev[j];
            }
            break;
          }
        }
      }
    }
  }
}

template <class S>
void ReferenceModel<S>::post_forward(int layer, LayerCache& c) {
  const bool residual = options_.residual && layer > 0;
  if (!residual && !options_.layer_norm) return;
  const S* gamma = options_.layer_norm ? &w_[index_.norm_w[layer]] : nullptr;
  const S* beta = options_.layer_norm ? &w_[index_.norm_b[layer]] : nullptr;
  c.post.assign(c.out.size(), S(0));
  c.xhat.assign(c.out.size(), S(0));
  c.rstd.assign(static_cast<std::size_t>(B_ * T_), S(0));
  for (std::int64_t b = 0; b < B_; ++b)
    for (std::int64_t t = 0; t < lengths_[b]; ++t) {
      const std::int64_t row = b * T_ + t;
      residual_norm_row<S>(&c.out[row * D_], residual ? &c.in[row * D_] : nullptr, gamma, beta, D_,
                           &c.post[row * D_], &c.xhat[row * D_], &c.rstd[row]);
    }
}

template <class S>
void ReferenceModel<S>::post_backward(int layer, const LayerCache& c, std::vector<S>& dz) {
  if (c.post.empty()) return;
  const S* gamma = options_.layer_norm ? &w_[index_.norm_w[layer]] : nullptr;
  S* dgamma = options_.layer_norm ? &g_[index_.norm_w[layer]] : nullptr;
  S* dbeta = options_.layer_norm ? &g_[index_.norm_b[layer]] : nullptr;
  for (std::int64_t b = 0; b < B_; ++b)
    for (std::int64_t t = 0; t < lengths_[b]; ++t) {
      const std::int64_t row = b * T_ + t;
      residual_norm_row_backward<S>(&dz[row * D_], gamma, gamma ? &c.xhat[row * D_] : nullptr,
                                    gamma ? c.rstd[row] : S(0), D_, &dz[row * D_], dgamma, dbeta);
    }
}

template <class S>
void ReferenceModel<S>::backward(std::span<const S> dlogits, std::vector<S>* dinput) {
  CALMSPACE_CHECK(static_cast<std::int64_t>(dlogits.size()) == B_ * C_, "dlogits size");
  CALMSPACE_CHECK(!layers_.empty(), "backward without forward");
  std::vector<S> dP(static_cast<std::size_t>(B_ * D_));
  head_backward<S>(B_, D_, C_, pooled_.data(), &w_[index_.head_w], dlogits.data(),
                   &g_[index_.head_w], &g_[index_.head_b], dP.data());
  std::vector<S> dout(static_cast<std::size_t>(B_ * T_ * D_), S(0));
  PoolShape s{B_, T_, D_, H_, options_.attention_dim, options_.directions(), options_.pooling};
  const bool att = options_.pooling == PoolingKind::Attention;
  pool_backward<S>(s, layers_.back().output().data(), lengths_.data(),
                   att ? &w_[index_.att_w] : nullptr, att ? &w_[index_.att_v] : nullptr,
                   pool_cache_, dP.data(), dout.data(), att ? &g_[index_.att_w] : nullptr,
                   att ? &g_[index_.att_b] : nullptr, att ? &g_[index_.att_v] : nullptr);
  std::vector<S> din;
  for (int l = options_.num_layers - 1; l >= 0; --l) {
    auto& c = layers_[static_cast<std::size_t>(l)];
    post_backward(l, c, dout);  // now dL/dy = dL/dr
    layer_backward(l, c, dout, din);
    if (options_.residual && l > 0)  // r = y + x: x's gradient also gets dL/dr
      for (std::size_t i = 0; i < din.size(); ++i) din[i] += dout[i];
    if (l > 0) {
      const auto& mask = layers_[static_cast<std::size_t>(l - 1)].mask;
      if (!mask.empty())
        for (std::size_t i = 0; i < din.size(); ++i) din[i] *= mask[i];
      dout.swap(din);
    }
  }
  din = frontend_backward(std::move(din));
  if (dinput) {
    dinput->assign(static_cast<std::size_t>(B_ * input_frames_ * F_), S(0));
    for (std::int64_t b = 0; b < B_; ++b)
      for (std::int64_t t = 0; t < input_lengths_[b]; ++t)
        for (int f = 0; f < F_; ++f) {
          const auto i = static_cast<std::size_t>((b * input_frames_ + t) * F_ + f);
          (*dinput)[i] = options_.input_norm ? din[i] / std_[f] : din[i];
        }
  }
}

template <class S>
std::vector<S> ReferenceModel<S>::frontend_forward(std::vector<S> x) {
  frontend_.assign(blocks_.size(), FrontendCache{});
  const int P = options_.conv_bypass;
  std::vector<S> features;  // (B, T, F) with a bypass: its columns join the output
  if (P > 0 && !blocks_.empty()) {
    const std::int64_t Fs = blocks_.front().f_in;
    features.swap(x);
    x.resize(static_cast<std::size_t>(B_ * T_ * Fs));
    copy_leading_columns(features.data(), B_ * T_, std::int64_t{F_}, Fs, x.data());
  }
  for (std::size_t k = 0; k < blocks_.size(); ++k) {
    const ConvBlockShape& s = blocks_[k];
    const ConvParamOffsets& p = index_.conv[k];
    FrontendCache& c = frontend_[k];
    c.frames_in = T_;
    c.frames_out = s.out_frames(T_);
    c.lengths_in = lengths_;
    c.lengths_out.resize(lengths_.size());
    const std::int64_t In = s.in_row(), N = s.out_row(), To = c.frames_out;
    c.in = std::move(x);
    c.pre.assign(static_cast<std::size_t>(B_ * To * N), S(0));
    c.xhat.assign(c.pre.size(), S(0));
    c.rstd.assign(static_cast<std::size_t>(B_ * To), S(0));
    x.assign(c.pre.size(), S(0));
    for (std::int64_t b = 0; b < B_; ++b) {
      c.lengths_out[b] = s.out_frames(lengths_[b]);
      for (std::int64_t t = 0; t < c.lengths_out[b]; ++t) {
        const std::int64_t row = b * To + t;
        S* z = &c.pre[row * N];
        conv_frame_forward<S>(s, &c.in[b * T_ * In], s.st * t, &w_[p.w], &w_[p.b], z);
        if (p.gamma >= 0)
          residual_norm_row<S>(z, nullptr, &w_[p.gamma], &w_[p.beta], N, z, &c.xhat[row * N],
                               &c.rstd[row]);
        for (std::int64_t j = 0; j < N; ++j)
          x[row * N + j] = conv_activate(options_.conv_activation, z[j]);
      }
    }
    T_ = To;
    lengths_ = c.lengths_out;
  }
  if (features.empty()) return x;
  const std::int64_t N = blocks_.back().out_row(), D = N + P,
                     stride = frontend_time_stride(options_);
  std::vector<S> joined(static_cast<std::size_t>(B_ * T_ * D), S(0));
  for (std::int64_t b = 0; b < B_; ++b)
    for (std::int64_t t = 0; t < lengths_[b]; ++t)
      join_bypass_row(&x[(b * T_ + t) * N], N, &features[(b * input_frames_ + stride * t) * F_], F_,
                      P, &joined[(b * T_ + t) * D]);
  return joined;
}

template <class S>
std::vector<S> ReferenceModel<S>::frontend_backward(std::vector<S> dout) {
  const int P = options_.conv_bypass;
  std::vector<S> djoined;  // with a bypass: (B, T', N + P), split into the last block's share
  if (P > 0 && !blocks_.empty()) {
    const std::int64_t N = blocks_.back().out_row(), rows = B_ * frontend_.back().frames_out;
    djoined.swap(dout);
    dout.resize(static_cast<std::size_t>(rows * N));
    copy_leading_columns(djoined.data(), rows, N + P, N, dout.data());
  }
  for (std::size_t k = blocks_.size(); k-- > 0;) {
    const ConvBlockShape& s = blocks_[k];
    const ConvParamOffsets& p = index_.conv[k];
    const FrontendCache& c = frontend_[k];
    const std::int64_t In = s.in_row(), N = s.out_row(), To = c.frames_out, Ti = c.frames_in;
    std::vector<S> dx(static_cast<std::size_t>(B_ * Ti * In), S(0));
    std::vector<S> dz(static_cast<std::size_t>(N));
    for (std::int64_t b = 0; b < B_; ++b)
      for (std::int64_t t = 0; t < c.lengths_out[b]; ++t) {
        const std::int64_t row = b * To + t;
        for (std::int64_t j = 0; j < N; ++j)
          dz[j] =
              dout[row * N + j] * conv_activate_grad(options_.conv_activation, c.pre[row * N + j]);
        if (p.gamma >= 0)
          residual_norm_row_backward<S>(dz.data(), &w_[p.gamma], &c.xhat[row * N], c.rstd[row], N,
                                        dz.data(), &g_[p.gamma], &g_[p.beta]);
        conv_frame_backward<S>(s, &c.in[b * Ti * In], s.st * t, &w_[p.w], dz.data(), &g_[p.w],
                               &g_[p.b], &dx[b * Ti * In]);
      }
    dout = std::move(dx);
  }
  if (djoined.empty()) return dout;
  // (B, T, F): the spectral columns' gradient, and each bypassed column's from its output frame.
  const std::int64_t Fs = blocks_.front().f_in, N = blocks_.back().out_row(),
                     To = frontend_.back().frames_out, stride = frontend_time_stride(options_);
  std::vector<S> dx(static_cast<std::size_t>(B_ * input_frames_ * F_), S(0));
  for (std::int64_t r = 0; r < B_ * input_frames_; ++r)
    for (std::int64_t f = 0; f < Fs; ++f) dx[r * F_ + f] = dout[r * Fs + f];
  for (std::int64_t b = 0; b < B_; ++b)
    for (std::int64_t t = 0; t < frontend_.back().lengths_out[b]; ++t)
      for (int j = 0; j < P; ++j)
        dx[(b * input_frames_ + stride * t) * F_ + Fs + j] +=
            djoined[(b * To + t) * (N + P) + N + j];
  return dx;
}

// dout (B, T, D) -> ADDS weight gradients, WRITES din (B, T, I).
template <class S>
void ReferenceModel<S>::layer_backward(int layer, LayerCache& c, const std::vector<S>& dout,
                                       std::vector<S>& din) {
  const int dirs = options_.directions();
  const std::int64_t H = H_, GH = G_ * H_, I = index_.at(layer, 0, dirs).input;
  din.assign(static_cast<std::size_t>(B_ * T_ * I), S(0));
  std::vector<S> dgi(static_cast<std::size_t>(GH)), dgr(static_cast<std::size_t>(GH));
  std::vector<S> dh(static_cast<std::size_t>(H)), dcarry(static_cast<std::size_t>(H));
  std::vector<S> hcarry(static_cast<std::size_t>(H)), hprev(static_cast<std::size_t>(H));
  std::vector<S> cprev(static_cast<std::size_t>(H));
  for (int d = 0; d < dirs; ++d) {
    const auto& p = index_.at(layer, d, dirs);
    const S* Wih = &w_[p.w_ih];
    const S* Whh = &w_[p.w_hh];
    S* dWih = &g_[p.w_ih];
    S* dWhh = &g_[p.w_hh];
    S* dbih = &g_[p.b_ih];
    S* dbhh = &g_[p.b_hh];
    for (std::int64_t b = 0; b < B_; ++b) {
      const std::int64_t len = lengths_[b];
      std::fill(hcarry.begin(), hcarry.end(), S(0));  // dL/dh from the later step
      std::fill(dcarry.begin(), dcarry.end(), S(0));  // dL/dc from the later step (LSTM)
      for (std::int64_t k = len - 1; k >= 0; --k) {
        const std::int64_t t = d == 0 ? k : len - 1 - k;
        const std::int64_t tp = d == 0 ? t - 1 : t + 1;
        for (std::int64_t j = 0; j < H; ++j) {
          hprev[j] = k > 0 ? c.out[(b * T_ + tp) * D_ + d * H + j] : S(0);
          cprev[j] = k > 0 ? c.cell[((d * B_ + b) * T_ + tp) * H + j] : S(0);
          dh[j] = dout[(b * T_ + t) * D_ + d * H + j] + hcarry[j];
          hcarry[j] = S(0);
        }
        const S* gates = &c.gates[((d * B_ + b) * T_ + t) * GH];
        switch (options_.cell) {
          case CellKind::RnnTanh:
            for (std::int64_t j = 0; j < H; ++j)
              dgi[j] = dgr[j] = dh[j] * (S(1) - gates[j] * gates[j]);
            break;
          case CellKind::RnnRelu:
            for (std::int64_t j = 0; j < H; ++j) dgi[j] = dgr[j] = gates[j] > 0 ? dh[j] : S(0);
            break;
          case CellKind::Lstm: {
            const S* cell = &c.cell[((d * B_ + b) * T_ + t) * H];
            for (std::int64_t j = 0; j < H; ++j) {
              const S ig = gates[j], fg = gates[H + j], gg = gates[2 * H + j],
                      og = gates[3 * H + j];
              const S tc = std::tanh(cell[j]);
              const S dc = dh[j] * og * (S(1) - tc * tc) + dcarry[j];
              dgi[j] = dc * gg * ig * (S(1) - ig);
              dgi[H + j] = dc * cprev[j] * fg * (S(1) - fg);
              dgi[2 * H + j] = dc * ig * (S(1) - gg * gg);
              dgi[3 * H + j] = dh[j] * tc * og * (S(1) - og);
              dcarry[j] = dc * fg;
            }
            dgr = dgi;
            break;
          }
          case CellKind::Gru: {
            const S* hn = &c.hn[((d * B_ + b) * T_ + t) * H];
            for (std::int64_t j = 0; j < H; ++j) {
              const S rg = gates[j], zg = gates[H + j], ng = gates[2 * H + j];
              const S dn = dh[j] * (S(1) - zg) * (S(1) - ng * ng);  // d n_pre
              const S dz = dh[j] * (hprev[j] - ng) * zg * (S(1) - zg);
              const S dr = dn * hn[j] * rg * (S(1) - rg);
              dgi[j] = dgr[j] = dr;
              dgi[H + j] = dgr[H + j] = dz;
              dgi[2 * H + j] = dn;
              dgr[2 * H + j] = dn * rg;
              hcarry[j] = dh[j] * zg;  // direct path h' = ... + z h
            }
            break;
          }
        }
        const S* xt = &c.in[(b * T_ + t) * I];
        S* dx = &din[(b * T_ + t) * I];
        for (std::int64_t g = 0; g < GH; ++g) {
          dbih[g] += dgi[g];
          dbhh[g] += dgr[g];
          for (std::int64_t i = 0; i < I; ++i) {
            dWih[g * I + i] += dgi[g] * xt[i];
            dx[i] += dgi[g] * Wih[g * I + i];
          }
          for (std::int64_t j = 0; j < H; ++j) {
            dWhh[g * H + j] += dgr[g] * hprev[j];
            hcarry[j] += dgr[g] * Whh[g * H + j];
          }
        }
      }
    }
  }
}

template class ReferenceModel<float>;
template class ReferenceModel<double>;

}  // namespace calmspace
