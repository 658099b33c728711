#include "core/model/small_gemm.h"

#include <array>
#include <cstring>
#include <utility>

namespace calmspace {

// Three builds of one kernel body; GCC's vector extensions map Vec16 to one zmm register under
// AVX-512, two ymm under AVX2 and four xmm otherwise. Clang (the sanitizer and fuzzing builds)
// spells the per-function target as an attribute pragma.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,fma")
#endif
namespace small_gemm_avx512 {
constexpr int kRowsPerBlock = 6;
constexpr int kColumnVectors = 4;  // 6 x 4 accumulators + 4 B vectors of the 32 zmm registers
#include "core/model/small_gemm_kernel.inc"
}  // namespace small_gemm_avx512
#if defined(__clang__)
#pragma clang attribute pop
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
namespace small_gemm_avx2 {
constexpr int kRowsPerBlock = 4;
constexpr int kColumnVectors = 1;  // 4 x 2 ymm accumulators + 2 for B of the 16 ymm registers
#include "core/model/small_gemm_kernel.inc"
}  // namespace small_gemm_avx2
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace small_gemm_generic {
constexpr int kRowsPerBlock = 4;
constexpr int kColumnVectors = 1;
#include "core/model/small_gemm_kernel.inc"
}  // namespace small_gemm_generic

bool cpu_supports(GemmIsa isa) {
  __builtin_cpu_init();
  switch (isa) {
    case GemmIsa::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
    case GemmIsa::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case GemmIsa::Generic:
      break;
  }
  return true;
}

GemmIsa best_gemm_isa() {
  static const GemmIsa best = cpu_supports(GemmIsa::Avx512) ? GemmIsa::Avx512
                              : cpu_supports(GemmIsa::Avx2) ? GemmIsa::Avx2
                                                            : GemmIsa::Generic;
  return best;
}

const char* name(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::Avx512:
      return "avx512";
    case GemmIsa::Avx2:
      return "avx2";
    case GemmIsa::Generic:
      break;
  }
  return "generic";
}

void small_gemm(GemmIsa isa, std::int64_t M, std::int64_t N, std::int64_t K, const float* A,
                std::int64_t lda, const float* B, float* C, std::int64_t ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  switch (isa) {
    case GemmIsa::Avx512:
      return small_gemm_avx512::run(M, N, K, A, lda, B, C, ldc, accumulate);
    case GemmIsa::Avx2:
      return small_gemm_avx2::run(M, N, K, A, lda, B, C, ldc, accumulate);
    case GemmIsa::Generic:
      return small_gemm_generic::run(M, N, K, A, lda, B, C, ldc, accumulate);
  }
}

void small_gemm(std::int64_t M, std::int64_t N, std::int64_t K, const float* A, std::int64_t lda,
                const float* B, float* C, std::int64_t ldc, bool accumulate) {
  small_gemm(best_gemm_isa(), M, N, K, A, lda, B, C, ldc, accumulate);
}

}  // namespace calmspace
