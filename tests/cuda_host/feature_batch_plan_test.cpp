// Host-side logic of the CUDA feature backend, checked on the CPU in every build: the ragged batch
// plan (frame counts and offsets), the workspace sizing, and the index math and dither generator
// that the kernels share with these tests (cuda/features/feature_index_math.h) against
// core/features.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/base/error.h"
#include "core/features/framing.h"
#include "core/features/preprocess.h"
#include "cuda/features/feature_batch_plan.h"
#include "cuda/features/feature_index_math.h"

namespace calmspace {
namespace {

constexpr int kRate = 16000;

const std::vector<std::int64_t> kLengths = {0,   1,   2,   3,   7,    159,  160,  161,  255,
                                            256, 257, 399, 400, 401,  511,  512,  513,  0,
                                            559, 560, 561, 0,   1000, 4095, 8000, 16001};

TEST(CudaFeaturePlan, FrameCountsAndOffsetsMatchTheCpuLayoutForManyLengths) {
  for (bool center : {true, false}) {
    FeatureOptions o;
    o.center = center;
    const FrameLayout layout = FrameLayout::from(o, kRate);
    const cuda::RaggedFramePlan plan = cuda::plan_ragged_frames(layout, kLengths);
    ASSERT_EQ(plan.batch(), static_cast<std::int64_t>(kLengths.size()));
    ASSERT_EQ(plan.frame_offsets.size(), kLengths.size() + 1);
    std::int64_t samples = 0, frames = 0, longest = 0;
    for (std::size_t b = 0; b < kLengths.size(); ++b) {
      const std::int64_t expected = o.num_frames(kLengths[b], kRate);
      EXPECT_EQ(plan.lengths[b], expected) << "n=" << kLengths[b] << " center=" << center;
      EXPECT_EQ(plan.sample_offsets[b], samples) << b;
      EXPECT_EQ(plan.num_samples[b], kLengths[b]);
      EXPECT_EQ(plan.frame_offsets[b], frames) << b;
      samples += kLengths[b];
      frames += expected;
      longest = std::max(longest, expected);
    }
    EXPECT_EQ(plan.total_frames(), frames);
    EXPECT_EQ(plan.max_frames, longest);
    // Spot values: centred 1 + N/160, snip-edges 1 + (N-400)/160 (0 below one window).
    EXPECT_EQ(plan.lengths[1], center ? 1 : 0);      // 1 sample
    EXPECT_EQ(plan.lengths[12], center ? 3 : 1);     // 400 samples
    EXPECT_EQ(plan.lengths[25], center ? 101 : 98);  // 16001 samples
  }
}

TEST(CudaFeaturePlan, ExplicitOffsetsAreKeptAndBadClipsAreNamed) {
  const FrameLayout layout = FrameLayout::from(FeatureOptions{}, kRate);
  const std::vector<std::int64_t> sizes = {500, 0, 320};
  const std::vector<std::int64_t> offsets = {1000, 7, 0};
  const auto plan = cuda::plan_ragged_frames(layout, sizes, offsets);
  EXPECT_EQ(plan.sample_offsets, offsets);
  EXPECT_EQ(plan.lengths, (std::vector<std::int64_t>{4, 0, 3}));
  EXPECT_EQ(plan.frame_offsets, (std::vector<std::int64_t>{0, 4, 4, 7}));

  const std::vector<std::int64_t> negative = {10, -1};
  try {
    cuda::plan_ragged_frames(layout, negative);
    FAIL() << "a negative size was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "clip 1");
  }
  const std::vector<std::int64_t> two = {0, 0};
  EXPECT_THROW(cuda::plan_ragged_frames(layout, sizes, two), InputError);
  const std::vector<std::int64_t> bad_offsets = {0, -5, 0};
  EXPECT_THROW(cuda::plan_ragged_frames(layout, sizes, bad_offsets), InputError);
  const auto empty = cuda::plan_ragged_frames(layout, {});
  EXPECT_EQ(empty.batch(), 0);
  EXPECT_EQ(empty.total_frames(), 0);
  EXPECT_EQ(empty.max_frames, 0);
}

TEST(CudaFeaturePlan, EveryPackedFrameMapsToItsOwnClipSkippingEmptyClips) {
  const FrameLayout layout = FrameLayout::from(FeatureOptions{}, kRate);
  const auto plan = cuda::plan_ragged_frames(layout, kLengths);
  const int batch = static_cast<int>(plan.batch());
  std::int64_t g = 0;
  for (int b = 0; b < batch; ++b)
    for (std::int64_t t = 0; t < plan.lengths[b]; ++t, ++g)
      ASSERT_EQ(cuda::clip_of_packed_frame(plan.frame_offsets.data(), batch, g), b) << g;
  EXPECT_EQ(g, plan.total_frames());
  // Leading empty clips: frame 0 belongs to the first clip with frames.
  const std::vector<std::int64_t> offsets = {0, 0, 0, 2, 2, 5};
  EXPECT_EQ(cuda::clip_of_packed_frame(offsets.data(), 5, 0), 2);
  EXPECT_EQ(cuda::clip_of_packed_frame(offsets.data(), 5, 1), 2);
  EXPECT_EQ(cuda::clip_of_packed_frame(offsets.data(), 5, 2), 4);
  EXPECT_EQ(cuda::clip_of_packed_frame(offsets.data(), 5, 4), 4);
}

TEST(CudaFeaturePlan, WorkspaceSizesArePowersOfTwoWithinTheirBudgets) {
  for (int n_fft : {2, 3, 256, 320, 400, 512, 1024, 2048, 4096, 16384, 65536, 1 << 20}) {
    const int bins = n_fft / 2 + 1;
    const int fft = cuda::fft_batch_frames(n_fft);
    EXPECT_GE(fft, 32) << n_fft;
    EXPECT_LE(fft, 4096) << n_fft;
    EXPECT_EQ(fft & (fft - 1), 0) << n_fft;
    if (fft > 32) {
      EXPECT_LE(std::int64_t{4} * n_fft * fft, std::int64_t{8} << 20) << n_fft;
    }
    const std::int64_t chunk = cuda::chunk_frames(n_fft, bins);
    EXPECT_EQ(chunk % fft, 0) << n_fft;
    EXPECT_LE(chunk, 16384) << n_fft;
    if (chunk > fft) {
      EXPECT_LE(chunk * (std::int64_t{4} * n_fft + std::int64_t{8} * bins), std::int64_t{128} << 20)
          << n_fft;
    }
    for (std::int64_t total : {std::int64_t{1}, std::int64_t{fft} - 1, std::int64_t{fft},
                               std::int64_t{fft} + 1, chunk - 1, chunk, chunk + 1, 10 * chunk}) {
      const std::int64_t rows = cuda::workspace_rows(total, chunk, fft);
      EXPECT_EQ(rows % fft, 0) << n_fft << " " << total;
      EXPECT_LE(rows, chunk);
      EXPECT_GE(rows, std::min(total, chunk));
    }
  }
  EXPECT_EQ(cuda::fft_batch_frames(512), 4096);
  EXPECT_EQ(cuda::chunk_frames(512, 257), 16384);
  EXPECT_EQ(cuda::workspace_rows(0, 16384, 4096), 0);
  EXPECT_EQ(cuda::workspace_rows(401, 16384, 4096), 4096);
}

TEST(CudaFeatureIndexMath, ReflectionEqualsTheCpuFramingForShortAndLongClips) {
  for (std::int64_t n : {1, 2, 3, 5, 17, 400, 16001})
    for (std::int64_t i = -3 * n - 300; i < 4 * n + 300; ++i)
      ASSERT_EQ(cuda::reflect_sample(i, n), reflect_index(i, n)) << "i=" << i << " n=" << n;
}

TEST(CudaFeatureIndexMath, DitherGeneratorIsTheCpuGeneratorBitForBit) {
  for (std::uint64_t seed : {0ull, 1ull, 7ull, 0xFFFFFFFFFFFFFFFFull})
    for (std::uint64_t index = 0; index < 20000; ++index)
      ASSERT_EQ(cuda::dither_normal(seed, index), dither_gaussian(seed, index))
          << "seed " << seed << " index " << index;
}

}  // namespace
}  // namespace calmspace
