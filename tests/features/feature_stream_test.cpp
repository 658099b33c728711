// FeatureStream: the rows of a recording fed in pieces equal extract() of the whole recording bit
// for bit, for every piece size (1 sample, 160, 4000, random), clip lengths around the frame and
// padding edges, options that read neighbours (centred reflection, snip edges, pre-emphasis,
// dither, deltas, delta-deltas, prosody columns), and 1 or 2 threads; CMVN and the prosody
// normalisation applied to the held rows afterwards (recording_norm.h).
// Also: the frames of one long clip spread over threads give the one-thread rows.
#include <gtest/gtest.h>

#include <random>

#include "core/features/cpu_feature_extractor.h"
#include "core/features/feature_stream.h"
#include "core/features/recording_norm.h"
#include "support/parity.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

constexpr int kRate = 16000;

// The parity cases (tests/support/parity.h) and those the CPU alone computes: prosody columns.
std::vector<testing::parity::FeatureCase> stream_cases() {
  auto cases = testing::parity::feature_cases();
  FeatureOptions prosody;
  prosody.extra = {"pitch", "energy"};
  prosody.deltas = 2;
  cases.push_back({"logmel_pitch_energy_deltas", prosody});
  prosody.extra = {"energy", "pitch"};  // listed the other way round: the same columns
  prosody.kind = FeatureKind::Mfcc;
  prosody.n_mfcc = 13;
  prosody.deltas = 1;
  prosody.cmvn = Cmvn::MeanVar;
  cases.push_back({"mfcc_pitch_energy_cmvn", prosody});
  return cases;
}

// Feeds `clip` in pieces of the given sizes (cycled); returns all rows, the per-recording steps
// applied at the end when the options have one.
std::vector<float> streamed(const CpuFeatureExtractor& ex, std::span<const float> clip,
                            const std::vector<std::size_t>& sizes, int threads) {
  FeatureStream stream(ex, threads);
  std::vector<float> rows;
  std::size_t at = 0;
  for (std::size_t i = 0; at < clip.size(); ++i) {
    const std::size_t n = std::min(sizes[i % sizes.size()], clip.size() - at);
    const std::size_t before = rows.size();
    const std::int64_t got = stream.push(clip.subspan(at, n), rows);
    EXPECT_EQ(static_cast<std::int64_t>(rows.size() - before), got * stream.dim());
    at += n;
  }
  stream.finish(rows);
  EXPECT_EQ(stream.rows_out(), ex.num_frames(static_cast<std::int64_t>(clip.size())));
  if (stream.needs_whole_recording())
    finish_recording(rows.data(), stream.rows_out(), ex.options(), kRate);
  return rows;
}

std::vector<std::size_t> random_sizes(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> d(1, 3000);
  std::vector<std::size_t> sizes(64);
  for (auto& s : sizes) s = d(rng);
  return sizes;
}

TEST(FeatureStream, EqualsTheWholeClipBitForBit) {
  for (const auto& v : stream_cases()) {
    CpuFeatureExtractor ex(v.options, kRate);
    for (const std::int64_t n : {1, 2, 255, 256, 399, 400, 401, 1000, 3 * kRate + 7}) {
      const auto clip = testing::white_noise(n, 0.1, static_cast<std::uint64_t>(n));
      const FeatureMatrix whole = ex.extract(clip);
      for (const auto& sizes :
           {std::vector<std::size_t>{1}, {160}, {4000}, {1 << 20}, random_sizes(n)})
        for (const int threads : {1, 2}) {
          const std::vector<float> got = streamed(ex, clip, sizes, threads);
          ASSERT_EQ(got.size(), whole.data.size())
              << v.name << ", " << n << " samples, pieces of " << sizes.front();
          EXPECT_EQ(got, whole.data) << v.name << ", " << n << " samples, pieces of "
                                     << sizes.front() << ", " << threads << " threads";
        }
    }
  }
}

TEST(FeatureStream, NoSamplesNoRows) {
  const CpuFeatureExtractor ex(FeatureOptions{}, kRate);
  FeatureStream stream(ex, 1);
  std::vector<float> rows;
  EXPECT_EQ(stream.finish(rows), 0);
  EXPECT_TRUE(rows.empty());
}

// Memory stays bounded: after a minute of audio in 10 ms pieces, the stream holds about one
// frame's samples, not the minute (checked through what it hands out as it goes: every row but
// the last few is out before the end).
TEST(FeatureStream, RowsLeaveAsSoonAsTheirSamplesHaveArrived) {
  FeatureOptions o;
  o.deltas = 2;
  const CpuFeatureExtractor ex(o, kRate);
  FeatureStream stream(ex, 1);
  const auto clip = testing::white_noise(60 * kRate, 0.1, 3);
  std::vector<float> rows;
  for (std::size_t at = 0; at < clip.size(); at += 160) {
    stream.push(std::span<const float>(clip).subspan(at, 160), rows);
    // Frame t is out once samples up to t * hop + win/2 and 2N more frames have arrived.
    const std::int64_t frames_heard = stream.samples_in() / 160;
    EXPECT_GE(stream.rows_out(), frames_heard - 2 * o.delta_window - 2) << at;
  }
}

TEST(CpuFeatures, FramesOfOneClipOnManyThreadsEqualOneThread) {
  for (const auto& v : stream_cases()) {
    const CpuFeatureExtractor ex(v.options, kRate);
    const auto clip = testing::white_noise(20 * kRate + 123, 0.1, 4);
    const auto frames = ex.num_frames(static_cast<std::int64_t>(clip.size()));
    std::vector<float> one(static_cast<std::size_t>(frames * ex.feature_dim()));
    std::vector<float> many(one.size());
    ex.extract_into(clip, one.data(), 1);
    ex.extract_into(clip, many.data(), 3);
    EXPECT_EQ(one, many) << v.name;
  }
}

}  // namespace
}  // namespace calmspace
