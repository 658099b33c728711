// Silence trimming (core/audio/trim.h): which samples a recording keeps, checked against frame
// positions worked out by hand (25 ms frames every 10 ms: 400 / 160 samples at 16 kHz, 100 ms
// margin: 1,600 samples), gain invariance, a noise floor inside and outside top_db, the
// recordings kept whole, and the options' checks.
#include "core/audio/trim.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/base/error.h"
#include "core/config/config.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

constexpr int kRate = 16000;

// `lead` seconds of `floor`-level white noise (0 = digital silence), a 440 Hz tone of amplitude
// 0.5 from sample lead * kRate for `tone` seconds, then `tail` seconds of the same floor.
std::vector<float> tone_in_silence(double lead, double tone, double tail, double floor = 0.0) {
  const auto n = static_cast<std::int64_t>((lead + tone + tail) * kRate);
  std::vector<float> x = floor > 0 ? testing::white_noise(n, floor, 5)
                                   : std::vector<float>(static_cast<std::size_t>(n), 0.0f);
  const auto first = static_cast<std::int64_t>(lead * kRate);
  const auto count = static_cast<std::int64_t>(tone * kRate);
  for (std::int64_t i = 0; i < count; ++i)
    x[static_cast<std::size_t>(first + i)] +=
        static_cast<float>(0.5 * std::sin(2 * M_PI * 440.0 * static_cast<double>(i) / kRate));
  return x;
}

AudioOptions trimming(double top_db) {
  AudioOptions a;
  a.trim_db = top_db;
  return a;
}

TEST(Trim, KeepsTheSpeechAndItsMarginAndCutsTheSilenceAround) {
  // Tone in samples [16000, 24000). Frame 97 = [15520, 15920) is silent; frame 98 = [15680,
  // 16080) holds 80 tone samples (about 7 dB below a full frame), so it is the first active one.
  // Frame 149 = [23840, 24240) holds the last 160 tone samples; frame 150 starts at 24000.
  const std::vector<float> x = tone_in_silence(1.0, 0.5, 1.0);
  const SampleRange r = speech_range(x, kRate, 40.0, 100.0);
  EXPECT_EQ(r.begin, 98 * 160 - 1600);       // 14,080
  EXPECT_EQ(r.end, 149 * 160 + 400 + 1600);  // 25,840
  const std::span<const float> kept = kept_samples(x, trimming(40.0));
  EXPECT_EQ(kept.data(), x.data() + r.begin);
  EXPECT_EQ(static_cast<std::int64_t>(kept.size()), r.size());
  // No margin: the first and last active frames' own samples.
  const SampleRange tight = speech_range(x, kRate, 40.0, 0.0);
  EXPECT_EQ(tight.begin, 98 * 160);
  EXPECT_EQ(tight.end, 149 * 160 + 400);
  // Speech to the very end: the last frame, [23520, 23920), is active, and the 80 samples after
  // it belong to no frame; they are kept, margin or not.
  const std::vector<float> to_end = tone_in_silence(1.0, 0.5, 0.0);
  EXPECT_EQ(speech_range(to_end, kRate, 40.0, 0.0).end, 24000);
}

TEST(Trim, GainDoesNotMoveTheCut) {
  // A -60 dBFS noise floor (about 50 dB below the tone's frames) around the tone: trimmed at 40 dB,
  // and cut at the same samples 20 dB softer or louder.
  const std::vector<float> x = tone_in_silence(0.7, 1.2, 0.9, 1e-3);
  const SampleRange want = speech_range(x, kRate, 40.0, 100.0);
  EXPECT_GT(want.begin, 0);
  EXPECT_LT(want.end, static_cast<std::int64_t>(x.size()));
  for (const float gain : {0.1f, 10.0f}) {
    std::vector<float> y = x;
    for (float& v : y) v *= gain;
    const SampleRange got = speech_range(y, kRate, 40.0, 100.0);
    EXPECT_EQ(got.begin, want.begin) << "gain " << gain;
    EXPECT_EQ(got.end, want.end) << "gain " << gain;
  }
}

TEST(Trim, ANoiseFloorWithinTopDbIsNotSilence) {
  // The floor's frames sit about 20 dB below the tone's: within 40 dB, so nothing is cut; with
  // top_db 10 they are silence.
  const std::vector<float> x = tone_in_silence(0.5, 0.5, 0.5, 0.035);
  const SampleRange wide = speech_range(x, kRate, 40.0, 100.0);
  EXPECT_EQ(wide.begin, 0);
  EXPECT_EQ(wide.end, static_cast<std::int64_t>(x.size()));
  const SampleRange narrow = speech_range(x, kRate, 10.0, 100.0);
  EXPECT_GT(narrow.begin, 0);
  EXPECT_LT(narrow.end, static_cast<std::int64_t>(x.size()));
}

TEST(Trim, ShortSilentOrNonFiniteRecordingsAreKeptWhole) {
  const auto whole = [](const std::vector<float>& x) {
    const SampleRange r = speech_range(x, kRate, 40.0, 100.0);
    return r.begin == 0 && r.end == static_cast<std::int64_t>(x.size());
  };
  EXPECT_TRUE(whole(std::vector<float>(400, 0.5f)));    // no more than one frame
  EXPECT_TRUE(whole(std::vector<float>(16000, 0.0f)));  // every frame equally silent
  std::vector<float> bad = tone_in_silence(0.5, 0.2, 0.5);
  bad[100] = std::numeric_limits<float>::quiet_NaN();  // the features' checks report it
  EXPECT_TRUE(whole(bad));
  EXPECT_TRUE(whole({}));
}

TEST(Trim, OffOrPastTrimMaxSKeepsEverySample) {
  const std::vector<float> x = tone_in_silence(1.0, 0.5, 1.0);  // 2.5 s
  const auto n = static_cast<std::int64_t>(x.size());
  AudioOptions off;
  EXPECT_FALSE(trims(off, n));
  EXPECT_EQ(kept_range(x, off).size(), n);
  AudioOptions short_max = trimming(40.0);
  short_max.trim_max_s = 2.0;
  EXPECT_FALSE(trims(short_max, n));
  EXPECT_EQ(kept_range(x, short_max).size(), n);
  short_max.trim_max_s = 2.5;  // exactly as long: trimmed
  EXPECT_TRUE(trims(short_max, n));
  EXPECT_LT(kept_range(x, short_max).size(), n);
}

TEST(Trim, OptionsOutsideTheirRangeNameTheirKey) {
  for (const char* bad :
       {"audio.trim_db=-1", "audio.trim_db=200", "audio.trim_margin_ms=-5", "audio.trim_max_s=0"}) {
    const std::string key = std::string(bad).substr(0, std::string(bad).find('='));
    try {
      (void)resolve_config("", {bad});
      ADD_FAILURE() << bad << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW((void)resolve_config("", {"audio.trim_db=40", "audio.trim_margin_ms=0"}));
}

}  // namespace
}  // namespace calmspace
