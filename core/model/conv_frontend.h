// The convolutional front-end (model.frontend = conv, model_options.h): shapes, lengths and the
// per-frame arithmetic shared by the double reference, the float CPU backend and the stream.
// Activations are frame-major (T, C, F) per clip, so a frame is one contiguous row of C * F
// values, channel-major; the first block reads the features as one channel (T, 1, F).
// One block, output frame t' (0 <= t' < T' = ceil(T / st)), channel co, bin f':
//   y[t', co, f'] = b[co] + sum_{ci, i < kt, j < kf} W[co, ci, i, j] * x[st t' - (kt-1) + i, ci,
//                                                                         sf f' - pf + j]
// with x = 0 outside the clip (frames < 0) and outside the bins; pf = (kf - 1) / 2, F' =
// ceil(F / sf). Frame t' reads input frames up to st t' <= T - 1 only: causal, so a clip's outputs
// never read its padding or its future, a prefix's outputs are the first frames of the whole
// clip's, and the stream (recurrent_stream.h) runs it frame by frame.
// This is torch.nn.Conv2d(ci, co, (kt, kf), stride=(st, sf), padding=(0, pf)) over (B, C, T, F)
// after F.pad(x, (0, 0, kt - 1, 0)) (tests/export/torch_parity.py).
// Then per frame z = LayerNorm over the (C, F') values (residual_norm.h, gamma/beta (C, F'),
// torch.nn.LayerNorm((C, F'))) when conv_layer_norm, and a = relu(z) or gelu(z) =
// z Phi(z) (exact, erf: torch.nn.GELU()).
// With model.conv_bypass = P, the first block reads the first F - P feature columns only, and the
// recurrent layers read [a (C_K F'_K) of the last block, the last P columns of feature frame S t']
// for output frame t', S the product of the blocks' time strides (frontend_time_stride): S t' is
// the last feature frame that output frame reads, so the bypass stays causal.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/config/model_options.h"

namespace calmspace {

struct ConvBlockShape {
  int c_in = 1, f_in = 1;    // input channels, bins
  int c_out = 1, f_out = 1;  // output channels, bins = ceil(f_in / sf)
  int kt = 1, kf = 1, st = 1, sf = 1, pad_f = 0;
  std::int64_t in_row() const { return std::int64_t{c_in} * f_in; }     // values per input frame
  std::int64_t out_row() const { return std::int64_t{c_out} * f_out; }  // values per output frame
  std::int64_t patch() const { return std::int64_t{c_in} * kt * kf; }   // K: weights per channel
  std::int64_t out_frames(std::int64_t in_frames) const { return (in_frames + st - 1) / st; }
};

// Every block's shape for features of `input_dim` columns, conv_bypass of them not convolved
// (empty without a front-end; InputError naming model.conv_bypass when it leaves no column).
std::vector<ConvBlockShape> conv_block_shapes(const ModelOptions& options, int input_dim);
// What the first recurrent layer reads per frame: c_out * f_out of the last block plus
// conv_bypass, else input_dim.
int frontend_output_dim(const ModelOptions& options, int input_dim);
// S: feature frames per recurrent frame (conv_stride_time ^ conv_blocks; 1 without a front-end).
std::int64_t frontend_time_stride(const ModelOptions& options);
// Frames the recurrent layers see for a clip of `frames` feature frames (frames without one).
std::int64_t frontend_frames(const ModelOptions& options, std::int64_t frames);

// Calls tap(k, xi) for every kernel tap of output bin fo of the frame whose window ends at input
// frame t_end that lands inside the clip (frame >= 0) and the bins: k = (ci kt + i) kf + j indexes
// the weights of one output channel, xi the input value in x (frames, c_in * f_in).
template <class Tap>
void for_each_tap(const ConvBlockShape& s, std::int64_t t_end, int fo, Tap tap) {
  for (int i = 0; i < s.kt; ++i) {
    const std::int64_t t = t_end - (s.kt - 1) + i;
    if (t < 0) continue;
    for (int ci = 0; ci < s.c_in; ++ci)
      for (int j = 0; j < s.kf; ++j) {
        const int f = fo * s.sf - s.pad_f + j;
        if (f >= 0 && f < s.f_in)
          tap(std::int64_t{(ci * s.kt + i) * s.kf + j}, t * s.in_row() + ci * s.f_in + f);
      }
  }
}

// One output frame before normalisation: y (c_out, f_out) for the frame whose kernel window ends
// at input frame `t_end` = st * t' of x (frames, c_in * f_in); frames before 0 read as zero.
template <class S>
void conv_frame_forward(const ConvBlockShape& s, const S* x, std::int64_t t_end, const S* w,
                        const S* b, S* y) {
  const std::int64_t K = s.patch();
  for (int co = 0; co < s.c_out; ++co)
    for (int fo = 0; fo < s.f_out; ++fo) {
      S acc = b[co];
      for_each_tap(s, t_end, fo,
                   [&](std::int64_t k, std::int64_t xi) { acc += w[co * K + k] * x[xi]; });
      y[co * s.f_out + fo] = acc;
    }
}

// Backward of conv_frame_forward for dy (c_out, f_out): ADDS to dw (c_out, K), db (c_out) and
// dx (frames, c_in * f_in), indexed as x.
template <class S>
void conv_frame_backward(const ConvBlockShape& s, const S* x, std::int64_t t_end, const S* w,
                         const S* dy, S* dw, S* db, S* dx) {
  const std::int64_t K = s.patch();
  for (int co = 0; co < s.c_out; ++co)
    for (int fo = 0; fo < s.f_out; ++fo) {
      const S g = dy[co * s.f_out + fo];
      db[co] += g;
      for_each_tap(s, t_end, fo, [&](std::int64_t k, std::int64_t xi) {
        dw[co * K + k] += g * x[xi];
        dx[xi] += g * w[co * K + k];
      });
    }
}

// The output bins [*lo, *hi) whose tap j lands inside the input bins: 0 <= fo sf - pf + j < f_in.
inline void tap_bins(const ConvBlockShape& s, int j, int* lo, int* hi) {
  const int first = s.pad_f - j;              // fo sf >= first
  const int last = s.f_in - 1 + s.pad_f - j;  // fo sf <= last
  *lo = first <= 0 ? 0 : std::min(s.f_out, (first + s.sf - 1) / s.sf);
  *hi = last < 0 ? 0 : std::min(s.f_out, last / s.sf + 1);
  *hi = std::max(*lo, *hi);
}

// One kernel tap (row i of the kernel, column j) over every output bin: dst[fo * stride] =
// src[fo sf - pf + j] for the bins it lands inside (tap_bins), zero for the others; src is the
// input frame's channel row (f_in bins), nullptr for a frame before the clip (all zero).
template <class S>
void gather_tap(const ConvBlockShape& s, const S* src, int j, S* dst, std::int64_t stride) {
  int lo = 0, hi = 0;
  if (src) tap_bins(s, j, &lo, &hi);
  for (int fo = 0; fo < lo; ++fo) dst[fo * stride] = S(0);
  for (int fo = lo; fo < hi; ++fo) dst[fo * stride] = src[fo * s.sf - s.pad_f + j];
  for (int fo = hi; fo < s.f_out; ++fo) dst[fo * stride] = S(0);
}

// The patches of one output frame, as rows of an im2col matrix: out (f_out, K), row f' holding
// x[t_end - (kt-1) + i, ci, sf f' - pf + j] at column (ci kt + i) kf + j, zero outside the bins and
// before frame 0; then y (f_out, c_out) = out W^T is the frame's convolution without bias.
template <class S>
void gather_frame_patches(const ConvBlockShape& s, const S* x, std::int64_t t_end, S* out) {
  for (int ci = 0; ci < s.c_in; ++ci)
    for (int i = 0; i < s.kt; ++i) {
      const std::int64_t t = t_end - (s.kt - 1) + i;
      const S* src = t >= 0 ? x + t * s.in_row() + ci * s.f_in : nullptr;
      for (int j = 0; j < s.kf; ++j)
        gather_tap(s, src, j, out + (ci * s.kt + i) * s.kf + j, s.patch());
    }
}

// The first n values of each of `rows` rows of `dim` values, packed into (rows, n): for
// conv_bypass, the spectral columns the first block reads, and the last block's share of the
// recurrent input's gradient.
template <class S>
void copy_leading_columns(const S* x, std::int64_t rows, std::int64_t dim, std::int64_t n, S* out) {
  for (std::int64_t r = 0; r < rows; ++r) std::copy_n(x + r * dim, n, out + r * n);
}

// One recurrent input row (n + bypass) for conv_bypass: [conv (n), the last `bypass` of the
// frame's `dim` feature columns].
template <class S>
void join_bypass_row(const S* conv, std::int64_t n, const S* frame, int dim, int bypass, S* out) {
  std::copy(conv, conv + n, out);
  std::copy(frame + dim - bypass, frame + dim, out + n);
}

// The activation and its derivative at the pre-activation z.
template <class S>
S conv_activate(ActivationKind kind, S z) {
  if (kind == ActivationKind::Relu) return z > S(0) ? z : S(0);
  return S(0.5) * z * (S(1) + std::erf(z * static_cast<S>(0.70710678118654752440)));
}
template <class S>
S conv_activate_grad(ActivationKind kind, S z) {
  if (kind == ActivationKind::Relu) return z > S(0) ? S(1) : S(0);
  const S cdf = S(0.5) * (S(1) + std::erf(z * static_cast<S>(0.70710678118654752440)));
  return cdf + z * static_cast<S>(0.39894228040143267794) * std::exp(S(-0.5) * z * z);
}

// a (n) = activation(z (n)) and dz (n) = g (n) * activation'(z (n)), z and a (or g and dz) may
// be the same row. The kind is looked up once per row, so the ReLU loops have no branch on the
// sign (which mispredicts half the time on real activations) and vectorise. The ReLU gradient is
// a select: an inactive unit passes +0 whatever g is (also a NaN or infinite g, which the double
// reference's product would pass on).
template <class S>
void conv_activate_row(ActivationKind kind, const S* z, std::int64_t n, S* a) {
  if (kind == ActivationKind::Relu) {
    for (std::int64_t j = 0; j < n; ++j) a[j] = z[j] > S(0) ? z[j] : S(0);
    return;
  }
  for (std::int64_t j = 0; j < n; ++j) a[j] = conv_activate(kind, z[j]);
}
template <class S>
void conv_activate_grad_row(ActivationKind kind, const S* z, const S* g, std::int64_t n, S* dz) {
  if (kind == ActivationKind::Relu) {
    for (std::int64_t j = 0; j < n; ++j) {
      const S gj = g[j];  // read unconditionally: a select, not a branch
      dz[j] = z[j] > S(0) ? gj : S(0);
    }
    return;
  }
  for (std::int64_t j = 0; j < n; ++j) dz[j] = g[j] * conv_activate_grad(kind, z[j]);
}

}  // namespace calmspace
