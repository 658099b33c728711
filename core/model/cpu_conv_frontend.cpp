// CpuConvFrontend: the convolutional front-end on the CPU (see cpu_conv_frontend.h).
// As in cell_kernels.cpp: without trapping float compares GCC turns the ReLU selects of
// conv_activate_row and conv_activate_grad_row into vector blends instead of branches (which
// mispredict half the time); nothing here inspects floating-point flags.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include "core/model/cpu_conv_frontend.h"

#include <cblas.h>

#include <algorithm>

#include "core/base/error.h"
#include "core/base/parallel.h"
#include "core/base/scratch.h"
#include "core/model/residual_norm.h"
#include "core/model/small_gemm.h"

namespace calmspace {

namespace {

// Clips are split into at most this many contiguous groups, one task each, whatever the thread
// count: a group sums its clips' weight gradients in order, so the result does not depend on the
// threads, and gradient memory is this many copies of the front-end's weights at most.
constexpr std::int64_t kMaxGroups = 8;

std::int64_t group_count(std::int64_t batch) {
  return std::max<std::int64_t>(1, std::min(batch, kMaxGroups));
}

// Runs fn(group, b) for every clip b in order within its group; groups in parallel.
template <class Fn>
void for_groups(std::int64_t batch, int threads, Fn fn) {
  const std::int64_t groups = group_count(batch);
  parallel_for(groups, threads, [&](std::int64_t g) {
    for (std::int64_t b = batch * g / groups; b < batch * (g + 1) / groups; ++b) fn(g, b);
  });
}

}  // namespace

CpuConvFrontend::CpuConvFrontend(const ModelOptions& options, int input_dim)
    : activation_(options.conv_activation),
      blocks_(conv_block_shapes(options, input_dim)),
      input_dim_(input_dim),
      bypass_(options.conv_bypass),
      time_stride_(frontend_time_stride(options)) {}

void CpuConvFrontend::gather_columns(std::size_t k, std::int64_t b, std::vector<float>& col) const {
  const ConvBlockShape& s = blocks_[k];
  const float* in = (k == 0 ? x_ : act_[k - 1].data()) + b * frames_[k] * s.in_row();
  const std::int64_t L = lengths_[k + 1][static_cast<std::size_t>(b)], Fo = s.f_out;
  const std::int64_t M = L * Fo;
  ensure_size(col, static_cast<std::size_t>(s.patch() * M));
  // Output frame t reads input frames up to st t <= st (L - 1) <= the clip's length - 1.
  for (int ci = 0; ci < s.c_in; ++ci)
    for (int i = 0; i < s.kt; ++i)
      for (int j = 0; j < s.kf; ++j) {
        float* row = col.data() + ((ci * s.kt + i) * s.kf + j) * M;  // (t', f') at [t' F' + f']
        for (std::int64_t t = 0; t < L; ++t) {
          const std::int64_t ti = s.st * t - (s.kt - 1) + i;
          gather_tap(s, ti >= 0 ? in + ti * s.in_row() + ci * s.f_in : nullptr, j, row + t * Fo, 1);
        }
      }
}

void CpuConvFrontend::forward(const float* weights, const ModelParamIndex& index, const float* x,
                              std::int64_t batch, std::int64_t frames, const std::int64_t* lengths,
                              int threads) {
  CALMSPACE_CHECK(!blocks_.empty(), "conv front-end: no blocks");
  x_ = x;
  batch_ = batch;
  const std::int64_t F = input_dim_, Fs = blocks_.front().f_in;
  if (bypass_ > 0) {  // the first block reads the spectral columns
    spectral_.resize(static_cast<std::size_t>(batch * frames * Fs));
    copy_leading_columns(x, batch * frames, F, Fs, spectral_.data());
    x_ = spectral_.data();
  }
  const std::size_t nb = blocks_.size();
  frames_.assign(nb + 1, frames);
  lengths_.assign(nb + 1, std::vector<std::int64_t>(lengths, lengths + batch));
  for (std::size_t k = 0; k < nb; ++k) {
    frames_[k + 1] = blocks_[k].out_frames(frames_[k]);
    for (std::int64_t b = 0; b < batch; ++b)
      lengths_[k + 1][static_cast<std::size_t>(b)] =
          blocks_[k].out_frames(lengths_[k][static_cast<std::size_t>(b)]);
  }
  pre_.resize(nb);
  xhat_.resize(nb);
  rstd_.resize(nb);
  act_.resize(nb);
  scratch_.resize(static_cast<std::size_t>(group_count(batch)));
  scratch2_.resize(scratch_.size());
  for (std::size_t k = 0; k < nb; ++k) {
    const ConvBlockShape& s = blocks_[k];
    const ConvParamOffsets& p = index.conv[k];
    const std::int64_t To = frames_[k + 1], N = s.out_row(), K = s.patch();
    pre_[k].resize(static_cast<std::size_t>(batch * To * N));
    act_[k].resize(pre_[k].size());
    if (p.gamma >= 0) {
      xhat_[k].resize(pre_[k].size());
      rstd_[k].resize(static_cast<std::size_t>(batch * To));
    }
    const float* W = weights + p.w;
    const float* bias = weights + p.b;
    for_groups(batch, threads, [&](std::int64_t group, std::int64_t b) {
      auto& col = scratch_[static_cast<std::size_t>(group)];
      auto& tmp = scratch2_[static_cast<std::size_t>(group)];
      const std::int64_t L = lengths_[k + 1][static_cast<std::size_t>(b)];
      const std::int64_t M = L * s.f_out;
      gather_columns(k, b, col);
      ensure_size(tmp, static_cast<std::size_t>(M * s.c_out));
      // tmp (C_out, M) = W (C_out, K) columns (K, M): row co holds channel co of every frame.
      small_gemm(s.c_out, M, K, W, K, col.data(), tmp.data(), M);
      for (std::int64_t t = 0; t < L; ++t) {
        const std::int64_t row = b * To + t;
        float* z = pre_[k].data() + row * N;
        for (int co = 0; co < s.c_out; ++co) {
          const float* y = tmp.data() + co * M + t * s.f_out;
          for (int fo = 0; fo < s.f_out; ++fo) z[co * s.f_out + fo] = y[fo] + bias[co];
        }
        if (p.gamma >= 0)
          residual_norm_row<float>(z, nullptr, weights + p.gamma, weights + p.beta, N, z,
                                   xhat_[k].data() + row * N, rstd_[k].data() + row);
        conv_activate_row(activation_, z, N, act_[k].data() + row * N);
      }
      std::fill(pre_[k].begin() + (b * To + L) * N, pre_[k].begin() + (b + 1) * To * N, 0.0f);
      std::fill(act_[k].begin() + (b * To + L) * N, act_[k].begin() + (b + 1) * To * N, 0.0f);
    });
  }
  if (bypass_ == 0) return;
  // [last block's row, the bypassed columns of feature frame S t'] per valid output frame.
  const std::int64_t To = frames_.back(), N = blocks_.back().out_row(), D = N + bypass_;
  joined_.assign(static_cast<std::size_t>(batch * To * D), 0.0f);
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t t = 0; t < lengths_.back()[static_cast<std::size_t>(b)]; ++t)
      join_bypass_row(act_.back().data() + (b * To + t) * N, N,
                      x + (b * frames + time_stride_ * t) * F, input_dim_, bypass_,
                      joined_.data() + (b * To + t) * D);
}

void CpuConvFrontend::backward(const float* weights, const ModelParamIndex& index, float* gradients,
                               const float* dout, int threads) {
  CALMSPACE_CHECK(!act_.empty(), "conv front-end backward without forward");
  const std::int64_t B = batch_;
  const std::int64_t groups = group_count(B);
  partial_.resize(static_cast<std::size_t>(groups));
  scratch_.resize(static_cast<std::size_t>(groups));
  scratch2_.resize(static_cast<std::size_t>(groups));
  const float* dcur = dout;
  if (bypass_ > 0) {  // the last block's share of dout (the bypassed features are not trained)
    const std::int64_t N = blocks_.back().out_row(), D = N + bypass_;
    const std::int64_t rows = B * frames_.back();
    dconv_.resize(static_cast<std::size_t>(rows * N));
    copy_leading_columns(dout, rows, D, N, dconv_.data());
    dcur = dconv_.data();
  }
  for (std::size_t k = blocks_.size(); k-- > 0;) {
    const ConvBlockShape& s = blocks_[k];
    const ConvParamOffsets& p = index.conv[k];
    const bool norm = p.gamma >= 0;
    const std::int64_t To = frames_[k + 1], Ti = frames_[k], N = s.out_row(), K = s.patch(),
                       In = s.in_row(), CO = s.c_out;
    const std::int64_t partial_size = CO * K + CO + (norm ? 2 * N : 0);
    if (k > 0) dx_.assign(static_cast<std::size_t>(B * Ti * In), 0.0f);
    const float* W = weights + p.w;
    wt_.resize(static_cast<std::size_t>(K * CO));  // W^T (K, C_out)
    for (std::int64_t co = 0; co < CO; ++co)
      for (std::int64_t kk = 0; kk < K; ++kk) wt_[kk * CO + co] = W[co * K + kk];
    for (auto& part : partial_) part.assign(static_cast<std::size_t>(partial_size), 0.0f);
    for_groups(B, threads, [&](std::int64_t group, std::int64_t b) {
      auto& col = scratch_[static_cast<std::size_t>(group)];
      auto& work = scratch2_[static_cast<std::size_t>(group)];
      auto& part = partial_[static_cast<std::size_t>(group)];
      float* dW = part.data();
      float* db = dW + CO * K;
      float* dgamma = norm ? db + CO : nullptr;
      float* dbeta = norm ? dgamma + N : nullptr;
      const std::int64_t L = lengths_[k + 1][static_cast<std::size_t>(b)];
      const std::int64_t M = L * s.f_out;
      ensure_size(work, static_cast<std::size_t>(N + M * CO + (k > 0 ? M * K : 0)));
      float* dz = work.data();    // (N) one frame
      float* dy = dz + N;         // (C_out, M): row co holds channel co of every frame
      float* dcol = dy + M * CO;  // (K, M), laid out as gather_columns' columns
      for (std::int64_t t = 0; t < L; ++t) {
        const std::int64_t row = b * To + t;
        const float* z = pre_[k].data() + row * N;
        const float* g = dcur + row * N;
        conv_activate_grad_row(activation_, z, g, N, dz);
        if (norm)
          residual_norm_row_backward<float>(dz, weights + p.gamma, xhat_[k].data() + row * N,
                                            rstd_[k][static_cast<std::size_t>(row)], N, dz, dgamma,
                                            dbeta);
        for (int co = 0; co < CO; ++co) {
          float bias_sum = db[co];  // in a register: the same sums in the same order
          float* d = dy + co * M + t * s.f_out;
          for (int fo = 0; fo < s.f_out; ++fo) {
            d[fo] = dz[co * s.f_out + fo];
            bias_sum += d[fo];
          }
          db[co] = bias_sum;
        }
      }
      if (M == 0) return;
      gather_columns(k, b, col);
      // dW (C_out, K) += dY (C_out, M) columns^T (M, K)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(CO),
                  static_cast<int>(K), static_cast<int>(M), 1.0f, dy, static_cast<int>(M),
                  col.data(), static_cast<int>(M), 1.0f, dW, static_cast<int>(K));
      if (k == 0) return;
      // dcolumns (K, M) = W^T (K, C_out) dY (C_out, M), scattered back onto the input frames.
      small_gemm(K, M, CO, wt_.data(), CO, dy, dcol, M);
      for (int ci = 0; ci < s.c_in; ++ci)
        for (int i = 0; i < s.kt; ++i)
          for (int j = 0; j < s.kf; ++j) {
            const float* r = dcol + ((ci * s.kt + i) * s.kf + j) * M;  // (t', f') at [t' F' + f']
            int lo = 0, hi = 0;
            tap_bins(s, j, &lo, &hi);
            for (std::int64_t t = 0; t < L; ++t) {
              const std::int64_t ti = s.st * t - (s.kt - 1) + i;
              if (ti < 0) continue;
              float* dst = dx_.data() + (b * Ti + ti) * In + ci * s.f_in;  // bin f at dst[f]
              const float* src = r + t * s.f_out;
              for (int fo = lo; fo < hi; ++fo) dst[fo * s.sf - s.pad_f + j] += src[fo];
            }
          }
    });
    // Sum the groups in order (independent of the thread count).
    float* gW = gradients + p.w;
    float* gb = gradients + p.b;
    for (std::int64_t g = 0; g < groups; ++g) {
      const float* part = partial_[static_cast<std::size_t>(g)].data();
      for (std::int64_t i = 0; i < CO * K; ++i) gW[i] += part[i];
      for (std::int64_t i = 0; i < CO; ++i) gb[i] += part[CO * K + i];
      if (norm)
        for (std::int64_t i = 0; i < N; ++i) {
          gradients[p.gamma + i] += part[CO * K + CO + i];
          gradients[p.beta + i] += part[CO * K + CO + N + i];
        }
    }
    if (k > 0) {
      // dx_ is this block's input gradient, i.e. block k - 1's output gradient; keep it alive
      // in dz_ while block k - 1 fills a fresh dx_.
      dz_.swap(dx_);
      dcur = dz_.data();
    }
  }
}

}  // namespace calmspace
