// Fused element-wise gate math of the fast CPU backend, one batch row (H units) at a time.
// Pointers never alias; "zero" inputs (no previous state) are passed as a zero-filled row.
// Written as plain loops over units with a polynomial exp (fast_math.h) so the compiler
// vectorises them; compiled for AVX2+FMA and baseline x86-64 and chosen at run time.
// Layouts: gates (G*H) in cuDNN order, pre-activation on input, activated on output.
#pragma once

#include <cstdint>

namespace calmspace::kernels {

// g: x W_ih^T row (in), activated gate row (out); rec: h_prev W_hh^T row; b = b_ih + b_hh.
void rnn_forward_row(float* g, const float* rec, const float* b, float* h, int H, bool relu);
// LSTM: writes gates i f g o, c, tanh(c) and h. cp: c_prev.
void lstm_forward_row(float* g, const float* rec, const float* b, const float* cp, float* c,
                      float* tc, float* h, int H);
// GRU: bih, bhh separate (n = tanh(x_n + b_in + r (rec_n + b_hn))); hn = rec_n + b_hn.
void gru_forward_row(float* g, const float* rec, const float* bih, const float* bhh,
                     const float* hp, float* hn, float* h, int H);

// Backward, one step. dy: output gradient row; dhn: dL/dh from the later step (in), for GRU
// overwritten with the direct path dh * z (out); gi/gr: pre-activation gradients of the input
// and recurrent projections (gr only for GRU; they differ in the n gate).
void rnn_backward_row(const float* h, const float* dy, const float* dhn, float* gi, int H,
                      bool relu);
// dcn: dL/dc from the later step (in), dL/dc_prev (out).
void lstm_backward_row(const float* g, const float* tc, const float* cp, const float* dy,
                       const float* dhn, float* dcn, float* gi, int H);
void gru_backward_row(const float* g, const float* hn, const float* hp, const float* dy, float* dhn,
                      float* gi, float* gr, int H);

}  // namespace calmspace::kernels
