// The benchmark backend slots (bench/lib/bench_timer.h, bench/lib/backends.h): the wall clock on
// the CPU; CUDA events and the CUDA feature extractor on a GPU, or a thrown Error with the
// runtime's reason (no driver, no GPU, built without CUDA) that benchmarks turn into a skip.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include "bench/lib/backends.h"
#include "bench/lib/bench_timer.h"
#include "cuda/common/runtime.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;

TEST(BenchTimer, WallClockTimesTheBracketedWork) {
  auto timer = bench::make_bench_timer("cpu");
  EXPECT_EQ(timer->name(), "steady_clock");
  EXPECT_EQ(bench::bench_timer_name("cpu"), "steady_clock");
  timer->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double s = timer->stop();
  EXPECT_GE(s, 0.019);
  EXPECT_LT(s, 5.0);
}

TEST(BenchTimer, UnknownBackendNamesTheOption) {
  try {
    bench::make_bench_timer("tpu");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "--backend");
    EXPECT_THAT(e.reason(), HasSubstr("'tpu'"));
  }
}

TEST(BenchTimer, CudaEventsOnAGpuOrTheReasonWithout) {
  EXPECT_EQ(bench::bench_timer_name("cuda"), "cuda_events");
  const cuda::RuntimeReport report = cuda::query_runtime();
  if (!report.has_gpu()) {
    // What a benchmark turns into SkipWithError: an Error, never a crash.
    try {
      bench::make_bench_timer("cuda");
      FAIL() << "a CUDA timer without a GPU (" << report.no_gpu_reason << ")";
    } catch (const Error& e) {
      EXPECT_FALSE(std::string(e.what()).empty());
      if (!report.compiled) {
        EXPECT_THAT(e.what(), HasSubstr("built without CUDA"));
      }
    }
    GTEST_SKIP() << "no GPU: " << report.no_gpu_reason << " (checked the CUDA timer throws)";
  }
  auto timer = bench::make_bench_timer("cuda");
  EXPECT_EQ(timer->name(), "cuda_events");
  // Events on the legacy default stream: the host sleep lies between the two records.
  timer->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double s = timer->stop();
  EXPECT_GE(s, 0.015);
  EXPECT_LT(s, 5.0);
}

TEST(BenchBackends, CudaFeaturesMatchTheCpuShapeOrGiveTheReason) {
  FeatureOptions options;  // log-mel, 64 bands
  const std::vector<float> clip(16000, 0.1f);
  const std::vector<std::span<const float>> batch = {clip};
  const PaddedBatch cpu =
      bench::make_bench_features("cpu", options, 16000, 1)->extract_batch(batch);
  const cuda::RuntimeReport report = cuda::query_runtime();
  if (!report.has_gpu()) {
    EXPECT_THROW(bench::make_bench_features("cuda", options, 16000, 1), Error);
    GTEST_SKIP() << "no GPU: " << report.no_gpu_reason << " (checked the factory throws)";
  }
  const PaddedBatch gpu =
      bench::make_bench_features("cuda", options, 16000, 1)->extract_batch(batch);
  EXPECT_EQ(gpu.lengths, cpu.lengths);
  EXPECT_EQ(gpu.dim, cpu.dim);
  ASSERT_EQ(gpu.data.size(), cpu.data.size());
  for (std::size_t i = 0; i < cpu.data.size(); ++i)
    ASSERT_NEAR(gpu.data[i], cpu.data[i], 1e-3 + 1e-3 * std::abs(cpu.data[i])) << i;
}

TEST(BenchBackends, UnknownFeatureBackendNamesTheOption) {
  try {
    bench::make_bench_features("fpga", FeatureOptions{}, 16000, 1);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "--backend");
    EXPECT_THAT(e.reason(), HasSubstr("'fpga'"));
  }
}

}  // namespace
}  // namespace calmspace
