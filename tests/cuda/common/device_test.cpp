// GPU smoke tests (label gpu). Without a device they skip, printing why.
#include <gtest/gtest.h>

#include <cmath>

#include "cuda/common/runtime.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

#define SKIP_WITHOUT_GPU(report)              \
  do {                                        \
    if (!(report).has_gpu()) {                \
      GTEST_SKIP() << (report).no_gpu_reason; \
    }                                         \
  } while (0)

TEST(GpuRuntime, QueryNeverThrowsAndExplainsAbsence) {
  cuda::RuntimeReport report;
  ASSERT_NO_THROW(report = cuda::query_runtime());
  if (report.has_gpu()) {
    EXPECT_TRUE(report.no_gpu_reason.empty());
    EXPECT_GT(report.gpus[0].memory_bytes, 0);
    EXPECT_GT(report.gpus[0].multiprocessors, 0);
  } else {
    EXPECT_FALSE(report.no_gpu_reason.empty());
  }
  if (report.compiled) {
    EXPECT_GE(report.cudnn_version, 90000u);  // cuDNN 9
  }
}

TEST(GpuRuntime, AffineKernelMatchesTheHost) {
  const auto report = cuda::query_runtime();
  SKIP_WITHOUT_GPU(report);
  const auto x = testing::white_noise(100003, 1.0, 7);  // odd size: exercises the tail
  const auto y = cuda::affine_on_gpu(x, 1.5f, -0.25f);
  ASSERT_EQ(y.size(), x.size());
  // nvcc contracts a * x + b into one fused multiply-add (its default --fmad=true), rounded once:
  // the host reference is std::fma, and the two agree bit for bit.
  for (std::size_t i = 0; i < x.size(); ++i) ASSERT_EQ(y[i], std::fma(1.5f, x[i], -0.25f)) << i;
}

}  // namespace
}  // namespace calmspace
