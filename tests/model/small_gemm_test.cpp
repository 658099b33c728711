// small_gemm (the CPU backend's recurrent-step product) against a double-precision triple loop,
// for every kernel this CPU supports, on shapes that exercise full and partial register blocks
// (rows 1..7 and 13, columns below, at and above 16 and 64, strided A), overwriting C or adding
// to it. Tolerance per element:
// 1e-6 * (|c_ij before| + sum_k |a_ik b_kj|) + 1e-7 (float accumulation over K terms, fused or
// not).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/model/small_gemm.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

void check(GemmIsa isa, std::int64_t M, std::int64_t N, std::int64_t K, bool accumulate) {
  const std::int64_t lda = K + 3, ldc = N + 5;
  const auto A = testing::white_noise(M * lda, 1.0, 1 + M * 131 + K);
  const auto B = testing::white_noise(K * N, 1.0, 7 + N);
  std::vector<float> C(static_cast<std::size_t>(M * ldc), -99.0f);
  for (std::int64_t i = 0; i < M; ++i)
    for (std::int64_t j = 0; j < N; ++j) C[i * ldc + j] = 0.25f * static_cast<float>(i - j);
  const std::vector<float> C0 = C;
  small_gemm(isa, M, N, K, A.data(), lda, B.data(), C.data(), ldc, accumulate);
  const std::string where = std::string(name(isa)) + " M=" + std::to_string(M) +
                            " N=" + std::to_string(N) + " K=" + std::to_string(K) +
                            (accumulate ? " C +=" : " C =");
  for (std::int64_t i = 0; i < M; ++i) {
    for (std::int64_t j = 0; j < N; ++j) {
      double want = accumulate ? C0[i * ldc + j] : 0.0, scale = std::abs(want);
      for (std::int64_t k = 0; k < K; ++k) {
        want += double(A[i * lda + k]) * B[k * N + j];
        scale += std::abs(double(A[i * lda + k]) * B[k * N + j]);
      }
      ASSERT_NEAR(C[i * ldc + j], want, 1e-6 * scale + 1e-7) << where << " at " << i << "," << j;
    }
    for (std::int64_t j = N; j < ldc; ++j)
      ASSERT_EQ(C[i * ldc + j], -99.0f) << where << ": wrote past column N in row " << i;
  }
}

TEST(SmallGemm, MatchesDoublePrecisionOnEverySupportedKernel) {
  int kernels = 0;
  for (GemmIsa isa : {GemmIsa::Generic, GemmIsa::Avx2, GemmIsa::Avx512}) {
    if (!cpu_supports(isa)) continue;
    ++kernels;
    for (std::int64_t M : {1, 2, 3, 4, 5, 6, 7, 13})
      for (std::int64_t N : {1, 15, 16, 17, 64, 100, 384})
        for (std::int64_t K : {1, 7, 128})
          for (bool accumulate : {false, true}) check(isa, M, N, K, accumulate);
  }
  EXPECT_GE(kernels, 1);
  EXPECT_TRUE(cpu_supports(best_gemm_isa()));
}

TEST(SmallGemm, NoRowsWritesNothing) {
  std::vector<float> C(4, 5.0f);
  const std::vector<float> A(4, 1.0f), B(4, 1.0f);
  small_gemm(0, 2, 2, A.data(), 2, B.data(), C.data(), 2);
  EXPECT_EQ(C, std::vector<float>(4, 5.0f));
}

}  // namespace
}  // namespace calmspace
