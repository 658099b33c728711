// CpuSequenceModel: the fast float32 CPU backend (see cpu_sequence_model.h).
// As in cell_kernels.cpp: without trapping float compares GCC vectorises the clamps of
// fast_tanh in attention pooling (pooling.h); nothing here inspects floating-point flags.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#include "core/model/cpu_sequence_model.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "core/base/error.h"
#include "core/base/parallel.h"
#include "core/base/scratch.h"
#include "core/model/cell_kernels.h"
#include "core/model/dropout.h"
#include "core/model/init.h"
#include "core/model/residual_norm.h"
#include "core/model/small_gemm.h"

namespace calmspace {

namespace {

// Up to this many rows of A, gemm() below runs one sgemv per row instead of sgemm.
constexpr std::int64_t kMaxRowsAsGemv = 4;

// C (M, N) = alpha * op(A) op(B) + beta * C, row-major.
// out (cols, rows) = m (rows, cols) transposed, in 16 x 16 tiles (both sides stay in a few
// cache lines; a plain loop with rows of 2 KB apart stalls on its stores).
void transpose(const float* m, std::int64_t rows, std::int64_t cols, std::vector<float>& out) {
  constexpr std::int64_t kTile = 16;
  out.resize(static_cast<std::size_t>(rows * cols));
  for (std::int64_t r0 = 0; r0 < rows; r0 += kTile)
    for (std::int64_t c0 = 0; c0 < cols; c0 += kTile)
      for (std::int64_t c = c0; c < std::min(c0 + kTile, cols); ++c)
        for (std::int64_t r = r0; r < std::min(r0 + kTile, rows); ++r)
          out[static_cast<std::size_t>(c * rows + r)] = m[r * cols + c];
}

inline void gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, const float* A,
                 std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                 std::int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (M <= kMaxRowsAsGemv && !ta) {
    // A few rows (batch 1 or a timeline's few windows at inference, the tail of the longest clips
    // in training): one matrix-vector product per row. sgemm re-packs all of B on every call,
    // which costs more than the arithmetic here (measured: the 4 s clip prediction took 12.7 ms
    // CPU with sgemm at one row; packing was 23% of `serve`'s CPU with two-window timelines).
    for (std::int64_t r = 0; r < M; ++r) {
      const float* a = A + r * lda;
      float* c = C + r * ldc;
      if (tb)  // c (1, N) = a (1, K) B^T, B row-major (N, K): c = B a
        cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(N), static_cast<int>(K), 1.0f, B,
                    static_cast<int>(ldb), a, 1, beta, c, 1);
      else  // c (1, N) = a (1, K) B, B row-major (K, N): c = B^T a
        cblas_sgemv(CblasRowMajor, CblasTrans, static_cast<int>(K), static_cast<int>(N), 1.0f, B,
                    static_cast<int>(ldb), a, 1, beta, c, 1);
    }
    return;
  }
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), 1.0f, A,
              static_cast<int>(lda), B, static_cast<int>(ldb), beta, C, static_cast<int>(ldc));
}

}  // namespace

CpuSequenceModel::CpuSequenceModel(const ModelOptions& options, int input_dim, int num_classes,
                                   std::uint64_t seed)
    : options_(options),
      F_(input_dim),
      C_(num_classes),
      H_(options.hidden_size),
      G_(gate_count(options.cell)),
      D_(options.output_dim()),
      index_(make_param_index(options, input_dim, num_classes)),
      frontend_(options, input_dim) {
  layout_ = parameter_layout(options, input_dim, num_classes);
  w_.assign(static_cast<std::size_t>(index_.total), 0.0f);
  g_.assign(static_cast<std::size_t>(index_.total), 0.0f);
  mean_.assign(static_cast<std::size_t>(F_), 0.0f);
  std_.assign(static_cast<std::size_t>(F_), 1.0f);
  zeros_.assign(static_cast<std::size_t>(H_), 0.0f);
  init_parameters(options, input_dim, num_classes, seed, w_);
  openblas_set_num_threads(1);
}

void CpuSequenceModel::zero_gradients() {
  std::fill(g_.begin(), g_.end(), 0.0f);
}

void CpuSequenceModel::set_input_norm(std::span<const float> mean, std::span<const float> std) {
  CALMSPACE_CHECK(static_cast<int>(mean.size()) == F_ && static_cast<int>(std.size()) == F_,
                  "input norm sizes ", mean.size(), ", ", std.size(), " != ", F_);
  for (float s : std) CALMSPACE_CHECK(s > 0 && std::isfinite(s), "input std ", s);
  mean_.assign(mean.begin(), mean.end());
  std_.assign(std.begin(), std.end());
}

void CpuSequenceModel::set_num_threads(int threads) {
  threads_ = threads;
  openblas_set_num_threads(1);
}

int CpuSequenceModel::threads() const {
  return resolve_threads(threads_);
}
int CpuSequenceModel::chunks() const {
  return static_cast<int>(std::min<std::int64_t>(threads(), B_));
}

const float* CpuSequenceModel::layer_input(int layer) const {
  if (layer == 0) return frontend_.empty() ? x0_.data() : frontend_.output().data();
  const auto& prev = layers_[static_cast<std::size_t>(layer - 1)];
  return prev.has_dropout ? prev.dropped.data() : layer_output(layer - 1);
}

const float* CpuSequenceModel::layer_output(int layer) const {
  const auto& ly = layers_[static_cast<std::size_t>(layer)];
  return ly.has_post ? ly.post.data() : ly.out.data();
}

void CpuSequenceModel::post_forward(int layer) {
  auto& ly = layers_[static_cast<std::size_t>(layer)];
  const bool residual = options_.residual && layer > 0;
  ly.has_post = residual || options_.layer_norm;
  if (!ly.has_post) return;
  const std::int64_t n = B_ * T_;
  ly.post.resize(static_cast<std::size_t>(n * D_));
  if (options_.layer_norm) {
    ly.xhat.resize(static_cast<std::size_t>(n * D_));
    ly.rstd.resize(static_cast<std::size_t>(n));
  }
  const float* x = residual ? layer_input(layer) : nullptr;
  const float* gamma = options_.layer_norm ? &w_[index_.norm_w[layer]] : nullptr;
  const float* beta = options_.layer_norm ? &w_[index_.norm_b[layer]] : nullptr;
  parallel_for(B_, threads(), [&](std::int64_t s) {
    for (std::int64_t t = 0; t < len_[s]; ++t) {
      const std::int64_t row = s * T_ + t;
      residual_norm_row<float>(ly.out.data() + row * D_, x ? x + row * D_ : nullptr, gamma, beta,
                               D_, ly.post.data() + row * D_,
                               gamma ? ly.xhat.data() + row * D_ : nullptr,
                               gamma ? ly.rstd.data() + row : nullptr);
    }
    std::fill(ly.post.begin() + (s * T_ + len_[s]) * D_, ly.post.begin() + (s + 1) * T_ * D_, 0.0f);
  });
}

void CpuSequenceModel::post_backward(int layer) {
  const auto& ly = layers_[static_cast<std::size_t>(layer)];
  if (!ly.has_post) return;
  const float* gamma = options_.layer_norm ? &w_[index_.norm_w[layer]] : nullptr;
  if (!gamma) return;  // residual alone: dL/dr = dL/dz
  // dgamma, dbeta: each task owns a slice of the D columns and sums every frame in the same
  // (sorted clip, time) order, so the result does not depend on the thread count.
  const int slices = std::max(1, threads());
  parallel_for(slices, threads(), [&](std::int64_t sl) {
    const std::int64_t j0 = D_ * sl / slices, j1 = D_ * (sl + 1) / slices;
    float* dg = &g_[index_.norm_w[layer]];
    float* db = &g_[index_.norm_b[layer]];
    for (std::int64_t s = 0; s < B_; ++s)
      for (std::int64_t t = 0; t < len_[s]; ++t) {
        const float* dz = dout_.data() + (s * T_ + t) * D_;
        const float* xh = ly.xhat.data() + (s * T_ + t) * D_;
        for (std::int64_t j = j0; j < j1; ++j) {
          dg[j] += dz[j] * xh[j];
          db[j] += dz[j];
        }
      }
  });
  parallel_for(B_, threads(), [&](std::int64_t s) {
    for (std::int64_t t = 0; t < len_[s]; ++t) {
      const std::int64_t row = s * T_ + t;
      float* dz = dout_.data() + row * D_;
      residual_norm_row_backward<float>(dz, gamma, ly.xhat.data() + row * D_, ly.rstd[row], D_, dz,
                                        nullptr, nullptr);
    }
  });
}

void CpuSequenceModel::forward(const PaddedBatch& x, std::vector<float>& logits, bool training,
                               std::uint64_t dropout_seed) {
  CALMSPACE_CHECK(x.dim == F_, "input dim ", x.dim, " != ", F_);
  CALMSPACE_CHECK(static_cast<std::int64_t>(x.lengths.size()) == x.batch, "lengths size");
  CALMSPACE_CHECK(static_cast<std::int64_t>(x.data.size()) == x.batch * x.max_frames * x.dim,
                  "data size");
  B_ = x.batch;
  T_ = x.max_frames;
  CALMSPACE_CHECK(B_ >= 1, "empty batch");
  for (auto len : x.lengths) CALMSPACE_CHECK(len >= 1 && len <= T_, "clip length ", len);
  order_.resize(static_cast<std::size_t>(B_));
  std::iota(order_.begin(), order_.end(), std::int64_t{0});
  std::stable_sort(order_.begin(), order_.end(), [&](std::int64_t a, std::int64_t b) {
    return x.lengths[static_cast<std::size_t>(a)] > x.lengths[static_cast<std::size_t>(b)];
  });
  len_.resize(static_cast<std::size_t>(B_));
  for (std::int64_t s = 0; s < B_; ++s) len_[s] = x.lengths[static_cast<std::size_t>(order_[s])];

  // Normalised, sorted input; padded rows are zero.
  x0_.resize(static_cast<std::size_t>(B_ * T_ * F_));
  std::vector<float> inv_std(static_cast<std::size_t>(F_));
  for (int f = 0; f < F_; ++f) inv_std[f] = 1.0f / std_[f];
  parallel_for(B_, threads(), [&](std::int64_t s) {
    const float* src = x.data.data() + order_[s] * T_ * F_;
    float* dst = x0_.data() + s * T_ * F_;
    for (std::int64_t t = 0; t < len_[s]; ++t)
      for (int f = 0; f < F_; ++f)
        dst[t * F_ + f] =
            options_.input_norm ? (src[t * F_ + f] - mean_[f]) * inv_std[f] : src[t * F_ + f];
    std::fill(dst + len_[s] * F_, dst + T_ * F_, 0.0f);
  });
  if (!frontend_.empty()) {  // the recurrent layers read its output, T' frames (still sorted)
    frontend_.forward(w_.data(), index_, x0_.data(), B_, T_, len_.data(), threads());
    T_ = frontend_.frames_out();
    len_ = frontend_.lengths_out();
  }
  active_.assign(static_cast<std::size_t>(T_), 0);
  for (std::int64_t s = 0; s < B_; ++s)
    for (std::int64_t t = 0; t < len_[s]; ++t) ++active_[static_cast<std::size_t>(t)];

  const std::int64_t n = B_ * T_;
  const int L = options_.num_layers;
  layers_.resize(static_cast<std::size_t>(L));
  for (int l = 0; l < L; ++l) {
    layer_forward(l);
    post_forward(l);
    auto& layer = layers_[static_cast<std::size_t>(l)];
    layer.has_dropout = training && options_.dropout > 0 && l + 1 < L;
    if (!layer.has_dropout) continue;
    layer.mask.resize(static_cast<std::size_t>(n * D_));
    layer.dropped.resize(static_cast<std::size_t>(n * D_));
    parallel_for(B_, threads(), [&](std::int64_t s) {
      for (std::int64_t t = 0; t < T_; ++t) {
        float* m = layer.mask.data() + (s * T_ + t) * D_;
        float* o = layer.dropped.data() + (s * T_ + t) * D_;
        const float* y = layer_output(l) + (s * T_ + t) * D_;
        if (t >= len_[s]) {
          std::fill(m, m + D_, 0.0f);
          std::fill(o, o + D_, 0.0f);
          continue;
        }
        const auto key = dropout_row_key(dropout_seed, l, x.first_row + order_[s], t);
        for (int j = 0; j < D_; ++j) {
          m[j] = static_cast<float>(dropout_scale(key, j, options_.dropout));
          o[j] = y[j] * m[j];
        }
      }
    });
  }
  trained_forward_ = training;

  const bool att = options_.pooling == PoolingKind::Attention;
  PoolShape ps{B_, T_, D_, H_, options_.attention_dim, options_.directions(), options_.pooling};
  pooled_.resize(static_cast<std::size_t>(B_ * D_));
  pool_forward<float>(ps, layer_output(L - 1), len_.data(), att ? &w_[index_.att_w] : nullptr,
                      att ? &w_[index_.att_b] : nullptr, att ? &w_[index_.att_v] : nullptr,
                      pooled_.data(), pool_cache_);
  logits_s_.resize(static_cast<std::size_t>(B_ * C_));
  head_forward<float>(B_, D_, C_, pooled_.data(), &w_[index_.head_w], &w_[index_.head_b],
                      logits_s_.data());
  logits.resize(static_cast<std::size_t>(B_ * C_));
  for (std::int64_t s = 0; s < B_; ++s)
    std::copy_n(logits_s_.data() + s * C_, C_, logits.data() + order_[s] * C_);
}

void CpuSequenceModel::predict_with_prefixes(const PaddedBatch& x,
                                             std::span<const PrefixRow> prefixes,
                                             std::vector<float>& logits) {
  if (options_.bidirectional) return SequenceModel::predict_with_prefixes(x, prefixes, logits);
  check_prefixes(x, prefixes);
  forward(x, logits, /*training=*/false, 0);
  const auto P = static_cast<std::int64_t>(prefixes.size());
  if (P == 0) return;
  // Sorted position of each original row: its states are layer_output(L - 1)[(s, t, :)].
  std::vector<std::int64_t> sorted_pos(static_cast<std::size_t>(B_));
  for (std::int64_t s = 0; s < B_; ++s) sorted_pos[static_cast<std::size_t>(order_[s])] = s;
  std::int64_t Tp = 0;
  std::vector<std::int64_t> lengths(static_cast<std::size_t>(P));
  for (std::int64_t i = 0; i < P; ++i)
    Tp = std::max(Tp, lengths[i] = frontend_frames(options_, prefixes[i].length));
  // The prefixes' last-layer states (P, Tp, D), zero-padded, then pooling and head as in forward.
  std::vector<float> states(static_cast<std::size_t>(P * Tp * D_), 0.0f);
  for (std::int64_t i = 0; i < P; ++i) {
    const float* src = layer_output(options_.num_layers - 1) +
                       sorted_pos[static_cast<std::size_t>(prefixes[i].row)] * T_ * D_;
    std::copy_n(src, lengths[i] * D_, states.data() + i * Tp * D_);
  }
  const bool att = options_.pooling == PoolingKind::Attention;
  const PoolShape ps{
      P, Tp, D_, H_, options_.attention_dim, options_.directions(), options_.pooling};
  std::vector<float> pooled(static_cast<std::size_t>(P * D_));
  PoolCache<float> cache;
  pool_forward<float>(ps, states.data(), lengths.data(), att ? &w_[index_.att_w] : nullptr,
                      att ? &w_[index_.att_b] : nullptr, att ? &w_[index_.att_v] : nullptr,
                      pooled.data(), cache);
  logits.resize(static_cast<std::size_t>((B_ + P) * C_));
  head_forward<float>(P, D_, C_, pooled.data(), &w_[index_.head_w], &w_[index_.head_b],
                      logits.data() + B_ * C_);
}

void CpuSequenceModel::layer_forward(int layer) {
  const int dirs = options_.directions();
  const std::int64_t n = B_ * T_, GH = G_ * H_;
  auto& ly = layers_[static_cast<std::size_t>(layer)];
  ly.out.resize(static_cast<std::size_t>(n * D_));
  ly.gates.resize(static_cast<std::size_t>(dirs));
  ly.aux.resize(static_cast<std::size_t>(dirs));
  ly.aux2.resize(static_cast<std::size_t>(dirs));
  for (int d = 0; d < dirs; ++d) {
    ly.gates[d].resize(static_cast<std::size_t>(n * GH));
    if (options_.cell == CellKind::Lstm || options_.cell == CellKind::Gru)
      ly.aux[d].resize(static_cast<std::size_t>(n * H_));
    if (options_.cell == CellKind::Lstm) ly.aux2[d].resize(static_cast<std::size_t>(n * H_));
  }
  // Padded rows of the output must be zero: the reverse direction reads h(t + 1) there.
  for (std::int64_t s = 0; s < B_; ++s)
    std::fill(ly.out.begin() + (s * T_ + len_[s]) * D_, ly.out.begin() + (s + 1) * T_ * D_, 0.0f);
  // W_ih^T (I, G*H) and W_hh^T (H, G*H) per direction, for small_gemm.
  ly.wih_t.resize(static_cast<std::size_t>(dirs));
  ly.whh_t.resize(static_cast<std::size_t>(dirs));
  for (int d = 0; d < dirs; ++d) {
    const auto& p = index_.at(layer, d, dirs);
    transpose(&w_[p.w_ih], GH, p.input, ly.wih_t[d]);
    transpose(&w_[p.w_hh], GH, H_, ly.whh_t[d]);
  }
  const int nc = chunks();
  const int tasks = nc * dirs;
  scratch_a_.resize(static_cast<std::size_t>(tasks));
  parallel_for(tasks, threads(), [&](std::int64_t task) {
    const int d = static_cast<int>(task % dirs);
    const std::int64_t c = task / dirs;
    const std::int64_t s0 = B_ * c / nc, s1 = B_ * (c + 1) / nc;
    forward_task(layer, d, s0, s1, scratch_a_[static_cast<std::size_t>(task)]);
  });
}

// Rows [s0, s1) of the sorted batch, direction d: the whole time loop.
void CpuSequenceModel::forward_task(int layer, int d, std::int64_t s0, std::int64_t s1,
                                    std::vector<float>& r) {
  const int dirs = options_.directions();
  const auto& p = index_.at(layer, d, dirs);
  const std::int64_t I = p.input, H = H_, GH = G_ * H_, T = T_, D = D_;
  const float* X = layer_input(layer);
  const float* Wih_t = layers_[static_cast<std::size_t>(layer)].wih_t[d].data();  // (I, G*H)
  const float* Whh_t = layers_[static_cast<std::size_t>(layer)].whh_t[d].data();  // (H, G*H)
  const float* bih = &w_[p.b_ih];
  const float* bhh = &w_[p.b_hh];
  auto& ly = layers_[static_cast<std::size_t>(layer)];
  float* G = ly.gates[d].data();
  float* aux = ly.aux[d].empty() ? nullptr : ly.aux[d].data();
  float* aux2 = ly.aux2[d].empty() ? nullptr : ly.aux2[d].data();
  float* Y = ly.out.data();
  ensure_size(r, static_cast<std::size_t>((s1 - s0 + 1) * GH));
  float* bsum = r.data() + (s1 - s0) * GH;  // b_ih + b_hh
  for (std::int64_t g = 0; g < GH; ++g) bsum[g] = bih[g] + bhh[g];
  // Input projection of every valid frame: G[s, t] = W_ih x[s, t].
  for (std::int64_t s = s0; s < s1; ++s)
    small_gemm(len_[s], GH, I, X + s * T * I, I, Wih_t, G + s * T * GH, GH);
  const std::int64_t steps = len_[s0];
  for (std::int64_t k = 0; k < steps; ++k) {
    const std::int64_t t = d == 0 ? k : steps - 1 - k;
    const std::int64_t a1 = std::min<std::int64_t>(s1, active_[static_cast<std::size_t>(t)]);
    const std::int64_t rows = a1 - s0;
    // Recurrent part R = h_prev W_hh^T over the active rows (h_prev is zero at k = 0; for the
    // reverse direction rows starting at this t read their zero padded row t + 1).
    const std::int64_t tp = d == 0 ? t - 1 : t + 1;
    const bool has_prev = k > 0;
    if (has_prev)
      small_gemm(rows, GH, H, Y + (s0 * T + tp) * D + d * H, T * D, Whh_t, r.data(), GH);
    else
      std::fill(r.begin(), r.begin() + rows * GH, 0.0f);
    for (std::int64_t s = s0; s < a1; ++s) {
      float* g = G + (s * T + t) * GH;
      const float* rr = r.data() + (s - s0) * GH;
      float* h = Y + (s * T + t) * D + d * H;
      const bool prev = has_prev && (d == 0 || t + 1 < len_[s]);
      const float* hp = prev ? Y + (s * T + tp) * D + d * H : zeros_.data();
      switch (options_.cell) {
        case CellKind::RnnTanh:
        case CellKind::RnnRelu:
          kernels::rnn_forward_row(g, rr, bsum, h, H_, options_.cell == CellKind::RnnRelu);
          break;
        case CellKind::Lstm:
          kernels::lstm_forward_row(g, rr, bsum, prev ? aux + (s * T + tp) * H : zeros_.data(),
                                    aux + (s * T + t) * H, aux2 + (s * T + t) * H, h, H_);
          break;
        case CellKind::Gru:
          kernels::gru_forward_row(g, rr, bih, bhh, hp, aux + (s * T + t) * H, h, H_);
          break;
      }
    }
  }
}

void CpuSequenceModel::backward(std::span<const float> dlogits) {
  CALMSPACE_CHECK(!layers_.empty(), "backward without forward");
  CALMSPACE_CHECK(static_cast<std::int64_t>(dlogits.size()) == B_ * C_, "dlogits size ",
                  dlogits.size(), " != ", B_ * C_);
  dlog_s_.resize(static_cast<std::size_t>(B_ * C_));
  for (std::int64_t s = 0; s < B_; ++s)
    std::copy_n(dlogits.data() + order_[s] * C_, C_, dlog_s_.data() + s * C_);
  dpooled_.resize(static_cast<std::size_t>(B_ * D_));
  head_backward<float>(B_, D_, C_, pooled_.data(), &w_[index_.head_w], dlog_s_.data(),
                       &g_[index_.head_w], &g_[index_.head_b], dpooled_.data());
  dout_.assign(static_cast<std::size_t>(B_ * T_ * D_), 0.0f);
  const bool att = options_.pooling == PoolingKind::Attention;
  PoolShape ps{B_, T_, D_, H_, options_.attention_dim, options_.directions(), options_.pooling};
  pool_backward<float>(ps, layer_output(options_.num_layers - 1), len_.data(),
                       att ? &w_[index_.att_w] : nullptr, att ? &w_[index_.att_v] : nullptr,
                       pool_cache_, dpooled_.data(), dout_.data(),
                       att ? &g_[index_.att_w] : nullptr, att ? &g_[index_.att_b] : nullptr,
                       att ? &g_[index_.att_v] : nullptr);
  for (int l = options_.num_layers - 1; l >= 0; --l) {
    post_backward(l);  // dout_ is now dL/dy = dL/dr
    layer_backward(l, l > 0 || !frontend_.empty());
    if (l == 0) break;
    if (options_.residual)  // r = y + x: the layer's input also gets dL/dr
      parallel_for(B_, threads(), [&](std::int64_t s) {
        for (std::int64_t i = s * T_ * D_; i < (s * T_ + len_[s]) * D_; ++i)
          din_[static_cast<std::size_t>(i)] += dout_[static_cast<std::size_t>(i)];
      });
    const auto& below = layers_[static_cast<std::size_t>(l - 1)];
    if (below.has_dropout)
      for (std::size_t i = 0; i < static_cast<std::size_t>(B_ * T_ * D_); ++i)
        din_[i] *= below.mask[i];
    dout_.swap(din_);
  }
  if (!frontend_.empty()) frontend_.backward(w_.data(), index_, g_.data(), din_.data(), threads());
}

void CpuSequenceModel::layer_backward(int layer, bool need_input_grad) {
  const int dirs = options_.directions();
  const std::int64_t n = B_ * T_, GH = G_ * H_, T = T_, H = H_, D = D_;
  const bool gru = options_.cell == CellKind::Gru;
  dgi_.resize(static_cast<std::size_t>(dirs));
  dgr_.resize(static_cast<std::size_t>(dirs));
  for (int d = 0; d < dirs; ++d) {
    dgi_[d].resize(static_cast<std::size_t>(n * GH));
    if (gru) dgr_[d].resize(static_cast<std::size_t>(n * GH));
  }
  const int nc = chunks();
  const int tasks = nc * dirs;
  scratch_a_.resize(static_cast<std::size_t>(tasks));
  scratch_b_.resize(static_cast<std::size_t>(tasks));
  parallel_for(tasks, threads(), [&](std::int64_t task) {
    const int d = static_cast<int>(task % dirs);
    const std::int64_t c = task / dirs;
    backward_task(layer, d, B_ * c / nc, B_ * (c + 1) / nc,
                  scratch_a_[static_cast<std::size_t>(task)],
                  scratch_b_[static_cast<std::size_t>(task)]);
  });

  // Weight and bias gradients: each task owns a slice of gate rows [g0, g1) of one direction.
  const float* X = layer_input(layer);
  const float* Y = layers_[static_cast<std::size_t>(layer)].out.data();
  const int slices = std::max(1, threads());
  parallel_for(dirs * slices, threads(), [&](std::int64_t task) {
    const int d = static_cast<int>(task % dirs);
    const std::int64_t sl = task / dirs;
    const std::int64_t g0 = GH * sl / slices, g1 = GH * (sl + 1) / slices;
    if (g1 == g0) return;
    const auto& p = index_.at(layer, d, dirs);
    const std::int64_t I = p.input;
    const float* dgi = dgi_[d].data();
    const float* dgr = gru ? dgr_[d].data() : dgi;
    float* dWih = &g_[p.w_ih];
    float* dWhh = &g_[p.w_hh];
    float* dbih = &g_[p.b_ih];
    float* dbhh = &g_[p.b_hh];
    for (std::int64_t s = 0; s < B_; ++s) {
      const std::int64_t len = len_[s];
      // dW_ih[g0:g1] += dG_in[s, 0:len, g0:g1]^T X[s, 0:len]
      gemm(true, false, g1 - g0, I, len, dgi + s * T * GH + g0, GH, X + s * T * I, I, 1.0f,
           dWih + g0 * I, I);
      // dW_hh[g0:g1] += dG_rec(t)^T h_prev(t) over steps with a predecessor:
      // forward t = 1..len-1 with h(t-1); reverse t = 0..len-2 with h(t+1).
      if (len > 1) {
        const std::int64_t tg = d == 0 ? 1 : 0, th = d == 0 ? 0 : 1;
        gemm(true, false, g1 - g0, H, len - 1, dgr + (s * T + tg) * GH + g0, GH,
             Y + (s * T + th) * D + d * H, D, 1.0f, dWhh + g0 * H, H);
      }
      for (std::int64_t t = 0; t < len; ++t) {
        const float* a = dgi + (s * T + t) * GH;
        const float* b = dgr + (s * T + t) * GH;
        for (std::int64_t g = g0; g < g1; ++g) {
          dbih[g] += a[g];
          dbhh[g] += b[g];
        }
      }
    }
  });

  if (!need_input_grad) return;
  const std::int64_t I = index_.at(layer, 0, dirs).input;
  din_.resize(static_cast<std::size_t>(n * I));
  parallel_for(B_, threads(), [&](std::int64_t s) {
    for (int d = 0; d < dirs; ++d) {
      const auto& p = index_.at(layer, d, dirs);
      gemm(false, false, len_[s], I, GH, dgi_[d].data() + s * T * GH, GH, &w_[p.w_ih], I,
           d == 0 ? 0.0f : 1.0f, din_.data() + s * T * I, I);
    }
    std::fill(din_.begin() + (s * T + len_[s]) * I, din_.begin() + (s + 1) * T * I, 0.0f);
  });
}

// BPTT of rows [s0, s1), direction d: writes dG_in (and dG_rec for GRU) of every valid frame.
void CpuSequenceModel::backward_task(int layer, int d, std::int64_t s0, std::int64_t s1,
                                     std::vector<float>& dh_next, std::vector<float>& dc_next) {
  const int dirs = options_.directions();
  const auto& p = index_.at(layer, d, dirs);
  const std::int64_t H = H_, GH = G_ * H_, T = T_, D = D_;
  const auto& ly = layers_[static_cast<std::size_t>(layer)];
  const float* G = ly.gates[d].data();
  const float* aux = ly.aux[d].empty() ? nullptr : ly.aux[d].data();
  const float* aux2 = ly.aux2[d].empty() ? nullptr : ly.aux2[d].data();
  const float* Y = ly.out.data();
  const float* Whh = &w_[p.w_hh];
  const bool gru = options_.cell == CellKind::Gru;
  float* dgi = dgi_[d].data();
  float* dgr = gru ? dgr_[d].data() : dgi;
  const std::size_t rows_all = static_cast<std::size_t>((s1 - s0) * H);
  dh_next.assign(rows_all, 0.0f);  // dL/dh(t) arriving from the step processed after t
  dc_next.assign(rows_all, 0.0f);  // dL/dc(t) likewise (LSTM)
  const std::int64_t steps = len_[s0];
  for (std::int64_t k = steps - 1; k >= 0; --k) {
    const std::int64_t t = d == 0 ? k : steps - 1 - k;
    const std::int64_t a1 = std::min<std::int64_t>(s1, active_[static_cast<std::size_t>(t)]);
    const std::int64_t tp = d == 0 ? t - 1 : t + 1;
    for (std::int64_t s = s0; s < a1; ++s) {
      const float* g = G + (s * T + t) * GH;
      const float* dy = dout_.data() + (s * T + t) * D + d * H;
      float* dhn = dh_next.data() + (s - s0) * H;
      float* gi = dgi + (s * T + t) * GH;
      const bool prev = d == 0 ? t > 0 : t + 1 < len_[s];
      switch (options_.cell) {
        case CellKind::RnnTanh:
        case CellKind::RnnRelu:
          kernels::rnn_backward_row(g, dy, dhn, gi, H_, options_.cell == CellKind::RnnRelu);
          break;
        case CellKind::Lstm:
          kernels::lstm_backward_row(g, aux2 + (s * T + t) * H,
                                     prev ? aux + (s * T + tp) * H : zeros_.data(), dy, dhn,
                                     dc_next.data() + (s - s0) * H, gi, H_);
          break;
        case CellKind::Gru:
          kernels::gru_backward_row(g, aux + (s * T + t) * H,
                                    prev ? Y + (s * T + tp) * D + d * H : zeros_.data(), dy, dhn,
                                    gi, dgr + (s * T + t) * GH, H_);
          break;
      }
    }
    // dL/dh_prev = dG_rec W_hh for the rows whose step t has a predecessor.
    std::int64_t r1 = a1;  // forward: all active rows at t > 0
    if (d == 0 && t == 0) r1 = s0;
    if (d == 1)
      r1 = t + 1 < T ? std::min<std::int64_t>(s1, active_[static_cast<std::size_t>(t + 1)]) : s0;
    r1 = std::max(r1, s0);
    small_gemm(r1 - s0, H, GH, dgr + (s0 * T + t) * GH, T * GH, Whh, dh_next.data(), H,
               /*accumulate=*/gru);
  }
}

std::unique_ptr<SequenceModel> make_cpu_sequence_model(const ModelOptions& options, int input_dim,
                                                       int num_classes, std::uint64_t seed) {
  return std::make_unique<CpuSequenceModel>(options, input_dim, num_classes, seed);
}

}  // namespace calmspace
