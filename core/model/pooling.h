// Masked pooling over each clip's true frames and the linear head, templated on the scalar so the
// double reference (checked by finite differences) and the float fast path run the same code.
//   Y (B, T, D) batch-major layer outputs, zero past lengths[b]; P (B, D) pooled.
//   mean:      P_b = 1/len_b sum_{t<len_b} Y_bt
//   max:       P_bj = max_{t<len_b} Y_btj (gradient to the first argmax)
//   last:      forward half Y_{b,len_b-1,0:H}; reverse half Y_{b,0,H:2H} (PyTorch's h_n)
//   attention: u_bt = tanh(W Y_bt + b) (A), e_bt = v . u_bt, alpha = softmax over t < len_b,
//              P_b = sum_t alpha_bt Y_bt.   W (A, D), b (A), v (A)
#pragma once

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "core/config/model_options.h"
#include "core/model/fast_math.h"

namespace calmspace {

struct PoolShape {
  std::int64_t B = 0, T = 0, D = 0, H = 0, A = 0;
  int directions = 1;
  PoolingKind kind = PoolingKind::Mean;
};

template <class S>
struct PoolCache {
  std::vector<std::int64_t> argmax;  // (B, D) max pooling: frame of the maximum
  std::vector<S> u;                  // (B, T, A) attention: tanh(W y + b)
  std::vector<S> alpha;              // (B, T) attention weights (0 past the length)
};

// tanh of the attention scores: the vectorisable fast_tanh (abs. error ~1e-7) for the float fast
// path, std::tanh for the double reference that finite differences check.
template <class S>
inline S pool_tanh(S x) {
  if constexpr (std::is_same_v<S, float>)
    return fast_tanh(x);
  else
    return std::tanh(x);
}

// Attention pre-activations Z (len, A) = Y (len, D) W^T + b, W (A, D). The double reference
// loops; the float fast path is one sgemm (as naive loops these were 16% of serve's CPU).
template <class S>
inline void attention_preactivations(const S* Y, std::int64_t len, std::int64_t D, const S* W,
                                     const S* b, std::int64_t A, S* Z) {
  for (std::int64_t t = 0; t < len; ++t)
    for (std::int64_t a = 0; a < A; ++a) {
      S z = b[a];
      for (std::int64_t j = 0; j < D; ++j) z += W[a * D + j] * Y[t * D + j];
      Z[t * A + a] = z;
    }
}
inline void attention_preactivations(const float* Y, std::int64_t len, std::int64_t D,
                                     const float* W, const float* b, std::int64_t A, float* Z) {
  if (len == 0) return;
  for (std::int64_t t = 0; t < len; ++t) std::copy(b, b + A, Z + t * A);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(len), static_cast<int>(A),
              static_cast<int>(D), 1.0f, Y, static_cast<int>(D), W, static_cast<int>(D), 1.0f, Z,
              static_cast<int>(A));
}

// Y (B,T,D), lengths (B) -> P (B,D). att = {W, b, v} pointers (attention only).
template <class S>
void pool_forward(const PoolShape& s, const S* Y, const std::int64_t* lengths, const S* att_w,
                  const S* att_b, const S* att_v, S* P, PoolCache<S>& cache) {
  const std::int64_t B = s.B, T = s.T, D = s.D, H = s.H, A = s.A;
  std::fill(P, P + B * D, S(0));
  if (s.kind == PoolingKind::Max) cache.argmax.assign(static_cast<std::size_t>(B * D), 0);
  if (s.kind == PoolingKind::Attention) {
    cache.u.assign(static_cast<std::size_t>(B * T * A), S(0));
    cache.alpha.assign(static_cast<std::size_t>(B * T), S(0));
  }
  for (std::int64_t b = 0; b < B; ++b) {
    const std::int64_t len = lengths[b];
    const S* y = Y + b * T * D;
    S* p = P + b * D;
    switch (s.kind) {
      case PoolingKind::Mean:
        for (std::int64_t t = 0; t < len; ++t)
          for (std::int64_t j = 0; j < D; ++j) p[j] += y[t * D + j];
        for (std::int64_t j = 0; j < D; ++j) p[j] /= static_cast<S>(len);
        break;
      case PoolingKind::Max:
        for (std::int64_t j = 0; j < D; ++j) {
          std::int64_t best = 0;
          for (std::int64_t t = 1; t < len; ++t)
            if (y[t * D + j] > y[best * D + j]) best = t;
          p[j] = y[best * D + j];
          cache.argmax[static_cast<std::size_t>(b * D + j)] = best;
        }
        break;
      case PoolingKind::Last:
        for (std::int64_t j = 0; j < H; ++j) p[j] = y[(len - 1) * D + j];
        for (std::int64_t j = H; j < D; ++j) p[j] = y[j];  // reverse direction ends at t = 0
        break;
      case PoolingKind::Attention: {
        S* u = cache.u.data() + b * T * A;
        S* alpha = cache.alpha.data() + b * T;
        S emax = S(0);
        attention_preactivations(y, len, D, att_w, att_b, A, u);
        for (std::int64_t t = 0; t < len; ++t) {
          S* ut = u + t * A;
          for (std::int64_t a = 0; a < A; ++a) ut[a] = pool_tanh(ut[a]);
          S e = S(0);
          for (std::int64_t a = 0; a < A; ++a) e += att_v[a] * ut[a];
          alpha[t] = e;
          emax = t == 0 ? e : std::max(emax, e);
        }
        S sum = S(0);
        for (std::int64_t t = 0; t < len; ++t) sum += (alpha[t] = std::exp(alpha[t] - emax));
        for (std::int64_t t = 0; t < len; ++t) {
          alpha[t] /= sum;
          for (std::int64_t j = 0; j < D; ++j) p[j] += alpha[t] * y[t * D + j];
        }
        break;
      }
    }
  }
}

// dP (B,D) -> ADDS dY (B,T,D) and attention parameter gradients (dW, db, dv).
template <class S>
void pool_backward(const PoolShape& s, const S* Y, const std::int64_t* lengths, const S* att_w,
                   const S* att_v, const PoolCache<S>& cache, const S* dP, S* dY, S* d_att_w,
                   S* d_att_b, S* d_att_v) {
  const std::int64_t T = s.T, D = s.D, H = s.H, A = s.A;
  std::vector<S> de, da;
  for (std::int64_t b = 0; b < s.B; ++b) {
    const std::int64_t len = lengths[b];
    const S* y = Y + b * T * D;
    const S* dp = dP + b * D;
    S* dy = dY + b * T * D;
    switch (s.kind) {
      case PoolingKind::Mean:
        for (std::int64_t t = 0; t < len; ++t)
          for (std::int64_t j = 0; j < D; ++j) dy[t * D + j] += dp[j] / static_cast<S>(len);
        break;
      case PoolingKind::Max:
        for (std::int64_t j = 0; j < D; ++j)
          dy[cache.argmax[static_cast<std::size_t>(b * D + j)] * D + j] += dp[j];
        break;
      case PoolingKind::Last:
        for (std::int64_t j = 0; j < H; ++j) dy[(len - 1) * D + j] += dp[j];
        for (std::int64_t j = H; j < D; ++j) dy[j] += dp[j];
        break;
      case PoolingKind::Attention: {
        const S* u = cache.u.data() + b * T * A;
        const S* alpha = cache.alpha.data() + b * T;
        de.assign(static_cast<std::size_t>(len), S(0));
        S dot = S(0);  // sum_s alpha_s dalpha_s
        for (std::int64_t t = 0; t < len; ++t) {
          S dalpha = S(0);
          for (std::int64_t j = 0; j < D; ++j) dalpha += dp[j] * y[t * D + j];
          de[static_cast<std::size_t>(t)] = dalpha;
          dot += alpha[t] * dalpha;
        }
        da.assign(static_cast<std::size_t>(A), S(0));
        for (std::int64_t t = 0; t < len; ++t) {
          const S det = alpha[t] * (de[static_cast<std::size_t>(t)] - dot);  // d e_t
          for (std::int64_t a = 0; a < A; ++a) {
            const S ua = u[t * A + a];
            d_att_v[a] += det * ua;
            da[static_cast<std::size_t>(a)] = det * att_v[a] * (S(1) - ua * ua);
            d_att_b[a] += da[static_cast<std::size_t>(a)];
          }
          for (std::int64_t j = 0; j < D; ++j) {
            S g = alpha[t] * dp[j];
            for (std::int64_t a = 0; a < A; ++a) {
              g += att_w[a * D + j] * da[static_cast<std::size_t>(a)];
              d_att_w[a * D + j] += da[static_cast<std::size_t>(a)] * y[t * D + j];
            }
            dy[t * D + j] += g;
          }
        }
        break;
      }
    }
  }
}

// logits (B, C) = P (B, D) W^T + bias; W (C, D).
template <class S>
void head_forward(std::int64_t B, std::int64_t D, std::int64_t C, const S* P, const S* W,
                  const S* bias, S* logits) {
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t c = 0; c < C; ++c) {
      S z = bias[c];
      for (std::int64_t j = 0; j < D; ++j) z += W[c * D + j] * P[b * D + j];
      logits[b * C + c] = z;
    }
}

// ADDS dW, dbias; WRITES dP (B, D).
template <class S>
void head_backward(std::int64_t B, std::int64_t D, std::int64_t C, const S* P, const S* W,
                   const S* dlogits, S* dW, S* dbias, S* dP) {
  std::fill(dP, dP + B * D, S(0));
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t c = 0; c < C; ++c) {
      const S g = dlogits[b * C + c];
      dbias[c] += g;
      for (std::int64_t j = 0; j < D; ++j) {
        dW[c * D + j] += g * P[b * D + j];
        dP[b * D + j] += g * W[c * D + j];
      }
    }
}

}  // namespace calmspace
