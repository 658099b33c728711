// GCC if-converts the clamps and selects of these loops (and so vectorises them) only when float
// compares may not trap; nothing here inspects floating-point exception flags.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#include "core/model/cell_kernels.h"

#include "core/model/fast_math.h"

// Each kernel is compiled twice (AVX2 + FMA, and baseline) and picked at load time (GNU ifunc).
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define CALMSPACE_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CALMSPACE_KERNEL
#endif

namespace calmspace::kernels {

CALMSPACE_KERNEL void rnn_forward_row(float* __restrict g, const float* __restrict rec,
                                      const float* __restrict b, float* __restrict h, int H,
                                      bool relu) {
  if (relu) {
    for (int j = 0; j < H; ++j) {
      const float z = g[j] + b[j] + rec[j];
      h[j] = g[j] = z > 0.0f ? z : 0.0f;
    }
  } else {
    for (int j = 0; j < H; ++j) h[j] = g[j] = fast_tanh(g[j] + b[j] + rec[j]);
  }
}

CALMSPACE_KERNEL void lstm_forward_row(float* __restrict g, const float* __restrict rec,
                                       const float* __restrict b, const float* __restrict cp,
                                       float* __restrict c, float* __restrict tc,
                                       float* __restrict h, int H) {
  for (int j = 0; j < 2 * H; ++j) g[j] = fast_sigmoid(g[j] + b[j] + rec[j]);
  for (int j = 2 * H; j < 3 * H; ++j) g[j] = fast_tanh(g[j] + b[j] + rec[j]);
  for (int j = 3 * H; j < 4 * H; ++j) g[j] = fast_sigmoid(g[j] + b[j] + rec[j]);
  const float* ig = g;
  const float* fg = g + H;
  const float* gg = g + 2 * H;
  const float* og = g + 3 * H;
  for (int j = 0; j < H; ++j) {
    c[j] = fg[j] * cp[j] + ig[j] * gg[j];
    tc[j] = fast_tanh(c[j]);
    h[j] = og[j] * tc[j];
  }
}

CALMSPACE_KERNEL void gru_forward_row(float* __restrict g, const float* __restrict rec,
                                      const float* __restrict bih, const float* __restrict bhh,
                                      const float* __restrict hp, float* __restrict hn,
                                      float* __restrict h, int H) {
  for (int j = 0; j < 2 * H; ++j) g[j] = fast_sigmoid(g[j] + bih[j] + bhh[j] + rec[j]);
  const float* rg = g;
  const float* zg = g + H;
  float* ng = g + 2 * H;
  for (int j = 0; j < H; ++j) {
    hn[j] = rec[2 * H + j] + bhh[2 * H + j];
    ng[j] = fast_tanh(ng[j] + bih[2 * H + j] + rg[j] * hn[j]);
    h[j] = (1.0f - zg[j]) * ng[j] + zg[j] * hp[j];
  }
}

CALMSPACE_KERNEL void rnn_backward_row(const float* __restrict h, const float* __restrict dy,
                                       const float* __restrict dhn, float* __restrict gi, int H,
                                       bool relu) {
  if (relu) {
    for (int j = 0; j < H; ++j) gi[j] = h[j] > 0.0f ? dy[j] + dhn[j] : 0.0f;
  } else {
    for (int j = 0; j < H; ++j) gi[j] = (dy[j] + dhn[j]) * (1.0f - h[j] * h[j]);
  }
}

CALMSPACE_KERNEL void lstm_backward_row(const float* __restrict g, const float* __restrict tc,
                                        const float* __restrict cp, const float* __restrict dy,
                                        const float* __restrict dhn, float* __restrict dcn,
                                        float* __restrict gi, int H) {
  const float* ig = g;
  const float* fg = g + H;
  const float* gg = g + 2 * H;
  const float* og = g + 3 * H;
  for (int j = 0; j < H; ++j) {
    const float dh = dy[j] + dhn[j];
    const float dc = dh * og[j] * (1.0f - tc[j] * tc[j]) + dcn[j];
    gi[j] = dc * gg[j] * ig[j] * (1.0f - ig[j]);
    gi[H + j] = dc * cp[j] * fg[j] * (1.0f - fg[j]);
    gi[2 * H + j] = dc * ig[j] * (1.0f - gg[j] * gg[j]);
    gi[3 * H + j] = dh * tc[j] * og[j] * (1.0f - og[j]);
    dcn[j] = dc * fg[j];
  }
}

CALMSPACE_KERNEL void gru_backward_row(const float* __restrict g, const float* __restrict hn,
                                       const float* __restrict hp, const float* __restrict dy,
                                       float* __restrict dhn, float* __restrict gi,
                                       float* __restrict gr, int H) {
  const float* rg = g;
  const float* zg = g + H;
  const float* ng = g + 2 * H;
  for (int j = 0; j < H; ++j) {
    const float dh = dy[j] + dhn[j];
    const float dn = dh * (1.0f - zg[j]) * (1.0f - ng[j] * ng[j]);
    const float dz = dh * (hp[j] - ng[j]) * zg[j] * (1.0f - zg[j]);
    const float dr = dn * hn[j] * rg[j] * (1.0f - rg[j]);
    gi[j] = gr[j] = dr;
    gi[H + j] = gr[H + j] = dz;
    gi[2 * H + j] = dn;
    gr[2 * H + j] = dn * rg[j];
    dhn[j] = dh * zg[j];
  }
}

}  // namespace calmspace::kernels
