// libsoxr resampling: exact output length, level, phase alignment (no delay), anti-aliasing,
// no clipping, and the quality recipes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "audio/audio_fixtures.h"
#include "core/audio/resample.h"
#include "core/base/error.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

TEST(ResampledLength, RoundsToNearestHalvesUp) {
  EXPECT_EQ(resampled_length(176176, 48000, 16000), 58725);  // 58725.33
  EXPECT_EQ(resampled_length(145172, 96000, 16000), 24195);  // 24195.33
  EXPECT_EQ(resampled_length(220500, 44100, 16000), 80000);  // exact
  EXPECT_EQ(resampled_length(53847, 24414, 16000), 35289);   // 35289.26
  EXPECT_EQ(resampled_length(3, 96000, 16000), 1);           // 0.5 -> 1
  EXPECT_EQ(resampled_length(1001, 48000, 16000), 334);      // 333.67
  EXPECT_EQ(resampled_length(0, 48000, 16000), 0);
  EXPECT_EQ(resampled_length(7, 16000, 16000), 7);
  EXPECT_THROW(resampled_length(10, 0, 16000), Error);
}

// Output length is exactly resampled_length() for awkward rates and lengths, every quality.
TEST(Resample, LengthIsExact) {
  for (const int from : {8000, 11025, 22050, 24414, 44100, 48000, 96000})
    for (const std::size_t n : {1u, 2u, 3u, 100u, 1001u, 53847u})
      for (const auto q :
           {ResampleQuality::Quick, ResampleQuality::High, ResampleQuality::VeryHigh}) {
        const auto x = testing::white_noise(static_cast<std::int64_t>(n), 0.1, n);
        const auto y = resample(x, from, 16000, q);
        EXPECT_EQ(static_cast<std::int64_t>(y.size()),
                  resampled_length(std::int64_t(n), from, 16000))
            << from << " Hz, n=" << n;
      }
}

TEST(Resample, SameRateIsACopy) {
  const auto x = testing::white_noise(1000, 0.3, 7);
  EXPECT_EQ(resample(x, 16000, 16000, ResampleQuality::High), x);
}

// A 1 kHz tone at 48 kHz resampled to 16 kHz equals the same tone generated at 16 kHz: level
// and phase (libsoxr's linear-phase filter delay is removed). Edges (10 ms) excluded.
TEST(Resample, ToneKeepsLevelAndPhase) {
  for (const int from : {48000, 44100, 24414, 8000}) {
    const auto x = testing::sine(1000, 1.0, from, 0.5);
    const auto y = resample(x, from, 16000, ResampleQuality::High);
    const auto expected = testing::sine(1000, double(x.size()) / from, 16000, 0.5);
    ASSERT_EQ(y.size(), expected.size());
    double max_err = 0;
    for (std::size_t i = 160; i + 160 < y.size(); ++i)
      max_err = std::max(max_err, double(std::abs(y[i] - expected[i])));
    // HQ is a 20-bit recipe: error ~1e-5 of full scale away from the edges.
    EXPECT_LT(max_err, 1e-4) << from << " Hz";
    EXPECT_NEAR(testing::rms_db(y, 160), 20 * std::log10(0.5 / std::sqrt(2.0)), 0.001);
  }
}

// A 10 kHz tone is above the 8 kHz Nyquist of 16 kHz: the anti-alias filter removes it (HQ
// stop-band attenuation is > 100 dB; we require 80 dB, Low and Medium 40 dB). Quick is libsoxr's
// cubic interpolation with no anti-alias filter: the tone aliases to 6 kHz at full level, as
// audio_options.h warns.
TEST(Resample, RemovesContentAboveNewNyquist) {
  const auto x = testing::sine(10000, 1.0, 48000, 0.5);
  const double in_db = testing::rms_db(x);
  const auto hq = resample(x, 48000, 16000, ResampleQuality::High);
  EXPECT_LT(testing::rms_db(hq, 320) - in_db, -80.0);
  for (const auto q : {ResampleQuality::Low, ResampleQuality::Medium})
    EXPECT_LT(testing::rms_db(resample(x, 48000, 16000, q), 320) - in_db, -40.0);
  const auto quick = resample(x, 48000, 16000, ResampleQuality::Quick);
  EXPECT_NEAR(testing::rms_db(quick, 320) - in_db, 0.0, 0.5);
  EXPECT_GT(testing::tone_fraction(quick, 6000, 16000), 0.99);
}

TEST(Resample, DoesNotClipBeyondFullScale) {
  const auto x = testing::sine(440, 0.5, 44100, 1.8);
  const auto y = resample(x, 44100, 16000, ResampleQuality::High);
  EXPECT_GT(*std::max_element(y.begin(), y.end()), 1.75f);
  EXPECT_LT(*std::min_element(y.begin(), y.end()), -1.75f);
}

// Speed, printed for the record (not asserted: the machine is shared): 60 s of noise.
TEST(Resample, Speed) {
  const auto x = testing::white_noise(60 * 48000, 0.1, 1);
  for (const auto q : {ResampleQuality::High, ResampleQuality::VeryHigh}) {
    const auto start = std::chrono::steady_clock::now();
    const auto y = resample(x, 48000, 16000, q);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_EQ(y.size(), 60u * 16000);
    std::printf("resample 60 s 48k->16k %s: %.1f ms (%.0fx real time)\n",
                q == ResampleQuality::High ? "high" : "very_high", s * 1e3, 60 / s);
  }
}

}  // namespace
}  // namespace calmspace
