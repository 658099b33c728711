// On-the-fly augmentation: reproducible draws, exact gain, achieved SNR, speed factor, masks,
// rooms and babble (draws added after the old ones leave old configs' draws unchanged).
#include "core/dataset/augment.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/audio/degrade.h"
#include "core/audio/resample.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

constexpr int kRate = 16000;

double energy(const std::vector<float>& x) {
  double e = 0;
  for (float v : x) e += double(v) * v;
  return e;
}

int zero_crossings(const std::vector<float>& x, std::size_t from, std::size_t to) {
  int n = 0;
  for (std::size_t i = from + 1; i < to; ++i) n += (x[i - 1] < 0) != (x[i] < 0);
  return n;
}

TEST(Augment, SameSeedEpochAndClipGiveTheSameWaveformOthersDiffer) {
  AugmentOptions o;
  o.gain_db = 6;
  o.noise_prob = 1.0;
  o.speed_factors = {0.9, 1.0, 1.1};
  const auto x = testing::sine(440, 0.5, kRate);
  auto run = [&](std::uint64_t seed, std::int64_t epoch, std::int64_t clip) {
    const auto d = draw_waveform(o, seed, epoch, clip);
    return augment_waveform(x, kRate, d, ResampleQuality::High, seed, epoch, clip);
  };
  EXPECT_EQ(run(3, 1, 7), run(3, 1, 7));
  EXPECT_NE(run(3, 1, 7), run(3, 2, 7));
  EXPECT_NE(run(3, 1, 7), run(3, 1, 8));
  EXPECT_NE(run(3, 1, 7), run(4, 1, 7));
}

TEST(Augment, DrawsCoverTheirRangesAndRespectNoiseProbability) {
  AugmentOptions o;
  o.gain_db = 3;
  o.noise_prob = 0.25;
  o.noise_snr_min_db = 5;
  o.noise_snr_max_db = 15;
  o.speed_factors = {0.9, 1.1};
  int noisy = 0, fast = 0;
  const int n = 4000;
  for (int c = 0; c < n; ++c) {
    const auto d = draw_waveform(o, 1, 0, c);
    EXPECT_LE(std::abs(d.gain_db), 3.0);
    EXPECT_TRUE(d.speed == 0.9 || d.speed == 1.1);
    fast += d.speed == 1.1;
    if (d.noise) {
      ++noisy;
      EXPECT_GE(d.snr_db, 5.0);
      EXPECT_LE(d.snr_db, 15.0);
    }
  }
  EXPECT_NEAR(noisy / double(n), 0.25, 0.03);
  EXPECT_NEAR(fast / double(n), 0.5, 0.03);
  // Nothing configured: nothing drawn.
  const auto none = draw_waveform(AugmentOptions{}, 1, 0, 0);
  EXPECT_EQ(none.speed, 1.0);
  EXPECT_EQ(none.gain_db, 0.0);
  EXPECT_FALSE(none.noise);
}

TEST(Augment, GainIsExact) {
  const auto x = testing::white_noise(5000, 0.1, 9);
  WaveformDraw d;
  d.gain_db = -4.5;
  const auto y = augment_waveform(x, kRate, d, ResampleQuality::High, 1, 0, 0);
  ASSERT_EQ(y.size(), x.size());
  const auto g = static_cast<float>(std::pow(10.0, -4.5 / 20.0));
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], x[i] * g);
}

TEST(Augment, NoiseAchievesTheDrawnSnrWithinHalfADecibel) {
  const auto x = testing::sine(300, 1.0, kRate, 0.3);
  for (double snr : {0.0, 10.0, 25.0}) {
    WaveformDraw d;
    d.noise = true;
    d.snr_db = snr;
    const auto y = augment_waveform(x, kRate, d, ResampleQuality::High, 5, 2, 11);
    std::vector<float> noise(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) noise[i] = y[i] - x[i];
    const double achieved = 10 * std::log10(energy(x) / energy(noise));
    EXPECT_NEAR(achieved, snr, 0.5) << "target " << snr << " dB";
    EXPECT_NEAR(achieved, snr, 0.01);  // scaled exactly; float rounding only
  }
  // A silent clip gets no noise (its SNR is undefined).
  WaveformDraw d;
  d.noise = true;
  d.snr_db = 10;
  const std::vector<float> silent(1000, 0.0f);
  EXPECT_EQ(augment_waveform(silent, kRate, d, ResampleQuality::High, 1, 0, 0), silent);
}

TEST(Augment, RoomAndBabbleDrawsKeepTheirRatesAndLeaveTheOlderDrawsAlone) {
  AugmentOptions old;
  old.gain_db = 6;
  old.noise_prob = 0.5;
  old.speed_factors = {0.9, 1.0, 1.1};
  AugmentOptions o = old;
  o.reverb_prob = 0.3;
  o.reverb_rooms = 8;
  o.babble_prob = 0.4;
  o.babble_snr_min_db = 5;
  o.babble_snr_max_db = 20;
  int reverb = 0, babble = 0;
  const int n = 4000;
  for (int c = 0; c < n; ++c) {
    const auto a = draw_waveform(old, 2, 1, c), b = draw_waveform(o, 2, 1, c);
    EXPECT_EQ(a.speed, b.speed);
    EXPECT_EQ(a.gain_db, b.gain_db);
    EXPECT_EQ(a.noise, b.noise);
    EXPECT_EQ(a.snr_db, b.snr_db);
    EXPECT_FALSE(a.reverb || a.babble);
    if (b.reverb) {
      ++reverb;
      EXPECT_GE(b.room, 0);
      EXPECT_LT(b.room, 8);
    }
    if (b.babble) {
      ++babble;
      EXPECT_GE(b.babble_snr_db, 5.0);
      EXPECT_LE(b.babble_snr_db, 20.0);
    }
  }
  EXPECT_NEAR(reverb / double(n), 0.3, 0.03);
  EXPECT_NEAR(babble / double(n), 0.4, 0.03);
}

TEST(Augment, CodecDrawsKeepTheirRateBothCodecsAndEveryBitRateAndLeaveTheOlderDrawsAlone) {
  AugmentOptions old;
  old.gain_db = 6;
  old.noise_prob = 0.5;
  old.reverb_prob = 0.3;
  old.babble_prob = 0.4;
  AugmentOptions o = old;
  o.codec_prob = 0.25;
  o.codec_kbps = {12, 32};
  int codec = 0, aac = 0, low = 0;
  const int n = 4000;
  for (int c = 0; c < n; ++c) {
    const auto a = draw_waveform(old, 3, 2, c), b = draw_waveform(o, 3, 2, c);
    EXPECT_FALSE(a.codec);
    WaveformDraw older = b;  // every draw but the codec's, as the old options make them
    older.codec = older.aac = false;
    older.codec_bit_rate = 0;
    EXPECT_EQ(older, a) << c;
    if (!b.codec) continue;
    ++codec;
    aac += b.aac;
    EXPECT_TRUE(b.codec_bit_rate == 12000 || b.codec_bit_rate == 32000) << b.codec_bit_rate;
    low += b.codec_bit_rate == 12000;
  }
  EXPECT_NEAR(codec / double(n), 0.25, 0.03);
  EXPECT_NEAR(aac / double(codec), 0.5, 0.06);
  EXPECT_NEAR(low / double(codec), 0.5, 0.06);
}

// A voiced sound through Opus and AAC: the clip's length, about its level, a changed waveform,
// and the same samples every time (both encoders are deterministic).
TEST(Augment, ACodecKeepsLengthAndLevelChangesTheWaveformAndRepeatsExactly) {
  std::vector<float> x(kRate);
  for (int h = 1; h <= 8; ++h) {
    const auto partial = testing::sine(140.0 * h, 1.0, kRate, 0.25 / h);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += partial[i];
  }
  const auto noise = testing::white_noise(static_cast<std::int64_t>(x.size()), 0.01, 8);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += noise[i];
  std::vector<std::vector<float>> outputs;
  for (const bool aac : {false, true}) {
    SCOPED_TRACE(aac ? "aac" : "opus");
    WaveformDraw d;
    d.codec = true;
    d.aac = aac;
    d.codec_bit_rate = 16000;
    const auto y = augment_waveform(x, kRate, d, ResampleQuality::High, 1, 0, 0);
    ASSERT_EQ(y.size(), x.size());
    const double ratio_db = 10 * std::log10(energy(y) / energy(x));
    EXPECT_LT(std::abs(ratio_db), 2.0) << ratio_db;
    double diff = 0;
    for (std::size_t i = 0; i < x.size(); ++i) diff += double(y[i] - x[i]) * (y[i] - x[i]);
    EXPECT_GT(diff / energy(x), 1e-4);
    // Aligned: the encoder's priming samples are cut, so the output correlates best with the
    // input at lag 0 among lags up to +-1,100 samples (AAC primes 1,024, Opus 312 at 48 kHz).
    std::ptrdiff_t best_lag = 0;
    double best = -1e300;
    const auto n = static_cast<std::ptrdiff_t>(x.size());
    for (std::ptrdiff_t lag = -1100; lag <= 1100; ++lag) {
      double c = 0;
      for (std::ptrdiff_t i = std::max<std::ptrdiff_t>(0, -lag); i < std::min(n, n - lag); ++i)
        c += double(x[static_cast<std::size_t>(i)]) * y[static_cast<std::size_t>(i + lag)];
      if (c > best) {
        best = c;
        best_lag = lag;
      }
    }
    EXPECT_EQ(best_lag, 0);
    EXPECT_EQ(augment_waveform(x, kRate, d, ResampleQuality::High, 1, 0, 0), y);
    outputs.push_back(y);
  }
  EXPECT_NE(outputs[0], outputs[1]);
}

TEST(Augment, BabbleComesFromOtherSpeakersAtTheDrawnSnr) {
  AugmentOptions o;
  o.babble_talkers = 3;
  const std::vector<int> speakers = {0, 0, 1, 2, 0, 3};
  const auto talkers = draw_babble_talkers(o, speakers, 1, 9, 0, 4);
  ASSERT_EQ(talkers.positions.size(), 3u);
  for (std::size_t p : talkers.positions) EXPECT_NE(speakers[p], 0) << p;
  EXPECT_EQ(draw_babble_talkers(o, speakers, 1, 9, 0, 4).positions, talkers.positions);
  // A split with one speaker has nobody to babble.
  EXPECT_TRUE(draw_babble_talkers(o, std::vector<int>{5, 5}, 0, 9, 0, 4).positions.empty());

  const auto x = testing::sine(300, 1.0, kRate, 0.3);
  const std::vector<std::vector<float>> voices = {testing::white_noise(7000, 0.2, 1),
                                                  testing::sine(170, 0.4, kRate, 0.5)};
  const std::vector<std::size_t> offsets = {123, 4567};
  const auto crowd = mix_talkers(voices, offsets, x.size());
  WaveformDraw d;
  d.babble = true;
  d.babble_snr_db = 7.0;
  const auto y = augment_waveform(x, kRate, d, ResampleQuality::High, 1, 0, 0, {}, crowd);
  std::vector<float> added(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) added[i] = y[i] - x[i];
  EXPECT_NEAR(10 * std::log10(energy(x) / energy(added)), 7.0, 0.01);
}

TEST(Augment, ARoomKeepsTheLevelAndChangesTheSound) {
  AugmentOptions o;
  o.reverb_rooms = 3;
  o.reverb_rt60_min_s = 0.3;
  o.reverb_rt60_max_s = 0.6;
  const auto rooms = room_bank(o, 4, kRate);
  ASSERT_EQ(rooms.size(), 3u);
  EXPECT_EQ(room_bank(o, 4, kRate), rooms);  // the seed's rooms, every time
  EXPECT_NE(rooms[0], rooms[1]);
  const auto x = testing::white_noise(kRate, 0.1, 3);
  WaveformDraw d;
  d.reverb = true;
  const auto y = augment_waveform(x, kRate, d, ResampleQuality::High, 1, 0, 0, rooms[1]);
  ASSERT_EQ(y.size(), x.size());
  EXPECT_NEAR(energy(y) / energy(x), 1.0, 1e-3);  // reverberate() keeps the RMS
  double diff = 0;
  for (std::size_t i = 0; i < x.size(); ++i) diff += double(y[i] - x[i]) * (y[i] - x[i]);
  EXPECT_GT(diff / energy(x), 0.1);
}

TEST(Augment, SpeedChangesLengthAndFrequencyByTheFactor) {
  const auto x = testing::sine(500, 1.0, kRate);
  for (double f : {0.9, 1.1}) {
    WaveformDraw d;
    d.speed = f;
    const auto y = augment_waveform(x, kRate, d, ResampleQuality::High, 1, 0, 0);
    EXPECT_EQ(static_cast<std::int64_t>(y.size()), augmented_length(16000, kRate, d));
    EXPECT_NEAR(double(y.size()), 16000 / f, 1.0);
    // 500 Hz played f times faster is 500 f Hz: zero crossings per second scale by f (away from
    // the resampler's edge transients).
    const double per_s_in = zero_crossings(x, 1000, 15000) / (14000.0 / kRate);
    const double per_s_out =
        zero_crossings(y, 1000, y.size() - 1000) / ((y.size() - 2000.0) / kRate);
    EXPECT_NEAR(per_s_out / per_s_in, f, 0.01);
  }
}

TEST(Augment, MasksStayWithinTheClipAndTheirMaximumWidths) {
  AugmentOptions o;
  o.time_masks = 2;
  o.time_mask_frames = 10;
  o.freq_masks = 2;
  o.freq_mask_bins = 5;
  for (std::int64_t clip = 0; clip < 300; ++clip) {
    const std::int64_t frames = 1 + clip % 37;  // includes clips shorter than a mask
    const auto masks = draw_masks(o, frames, 12, 9, 1, clip);
    ASSERT_EQ(masks.size(), 4u);
    for (const auto& m : masks) {
      const std::int64_t extent = m.time ? frames : 12;
      EXPECT_GE(m.start, 0);
      EXPECT_GE(m.width, 0);
      EXPECT_LE(m.width, m.time ? 10 : 5);
      EXPECT_LE(m.start + m.width, extent);
    }
    EXPECT_TRUE(masks[0].time && masks[1].time && !masks[2].time && !masks[3].time);
  }
}

TEST(Augment, SpecAugmentFillsMaskedCellsWithTheClipMeanAndLeavesOthersAlone) {
  AugmentOptions o;
  o.time_masks = 1;
  o.time_mask_frames = 8;
  o.freq_masks = 1;
  o.freq_mask_bins = 4;
  int masked_some = 0;
  for (std::int64_t clip = 0; clip < 20; ++clip) {
    FeatureMatrix m;
    m.frames = 30;
    m.dim = 10;
    m.data = testing::white_noise(300, 1.0, 100 + clip);
    for (auto& v : m.data) v -= 5.0f;
    const auto original = m;
    double sum = 0;
    for (float v : m.data) sum += v;
    const auto fill = static_cast<float>(sum / 300);
    const auto masks = spec_augment(m, o, 3, 0, clip);
    EXPECT_EQ(masks, draw_masks(o, 30, 10, 3, 0, clip));
    for (std::int64_t t = 0; t < 30; ++t)
      for (std::int64_t f = 0; f < 10; ++f) {
        bool in = false;
        for (const auto& k : masks)
          in |= k.time ? (t >= k.start && t < k.start + k.width)
                       : (f >= k.start && f < k.start + k.width);
        EXPECT_EQ(m.at(t, f), in ? fill : original.at(t, f));
        masked_some += in;
      }
  }
  EXPECT_GT(masked_some, 0);
  // Reproducible, and off when no masks are configured.
  FeatureMatrix m;
  m.frames = 5;
  m.dim = 3;
  m.data = testing::white_noise(15, 1.0, 1);
  const auto before = m.data;
  EXPECT_TRUE(spec_augment(m, AugmentOptions{}, 1, 0, 0).empty());
  EXPECT_EQ(m.data, before);
}

}  // namespace
}  // namespace calmspace
