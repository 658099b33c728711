// C (M, N) = A (M, K) B (K, N) for the recurrent step of the CPU backend: few rows (the active
// clips of one chunk), a weight matrix that stays in cache for the whole sequence. sgemm packs
// all of B again on every call (per time step: 14.7% of `serve`'s CPU under load, against 23%
// for sgemm's arithmetic), and sgemv reads B once per row; this kernel reads B once per 6 rows
// with no copy: a register block of 6 rows x 64 columns (AVX-512; 4 x 16 with AVX2 or plain
// x86-64), chosen at run time from what the CPU supports. Used for both recurrent products
// (h_prev W_hh^T forward and dG W_hh backward), the input projections, and the convolutional
// front-end's W (C_out, K) x patches (K, frames x bins) and W^T dY (cpu_conv_frontend.h).
#pragma once

#include <cstdint>

namespace calmspace {

enum class GemmIsa { Generic, Avx2, Avx512 };

// A row-major with row stride lda >= K; B row-major (K, N) contiguous (the forward pass
// transposes W_hh once per call); C row-major with row stride ldc >= N, overwritten, or with
// `accumulate` C += A B. Runs the best kernel this CPU supports (best_gemm_isa()).
void small_gemm(std::int64_t M, std::int64_t N, std::int64_t K, const float* A, std::int64_t lda,
                const float* B, float* C, std::int64_t ldc, bool accumulate = false);
// The same with a chosen kernel (tests run each one the CPU supports).
void small_gemm(GemmIsa isa, std::int64_t M, std::int64_t N, std::int64_t K, const float* A,
                std::int64_t lda, const float* B, float* C, std::int64_t ldc,
                bool accumulate = false);

bool cpu_supports(GemmIsa isa);
GemmIsa best_gemm_isa();
const char* name(GemmIsa isa);  // "avx512", "avx2", "generic"

}  // namespace calmspace
