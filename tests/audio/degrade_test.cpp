// The degradations of the robustness check (core/audio/degrade.h) and the in-memory browser
// codecs (core/audio/ffmpeg_encode.h): each does what it says, measured on the output.
#include "core/audio/degrade.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "core/audio/decode.h"
#include "core/audio/ffmpeg_encode.h"
#include "support/model_fixtures.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

double energy(std::span<const float> x) {
  double e = 0;
  for (float v : x) e += double(v) * v;
  return e;
}

double rms(std::span<const float> x) {
  return std::sqrt(energy(x) / static_cast<double>(x.size()));
}

TEST(Degrade, GainScalesAndClipsAtFullScale) {
  const std::vector<float> x = {0.1f, -0.25f, 0.6f};
  const auto up = apply_gain_db(x, 20 * std::log10(2.0));
  EXPECT_NEAR(up[0], 0.2f, 1e-6);
  EXPECT_NEAR(up[1], -0.5f, 1e-6);
  EXPECT_EQ(up[2], 1.0f);  // 1.2 clipped
  EXPECT_NEAR(apply_gain_db(x, 20 * std::log10(2.0), /*clip=*/false)[2], 1.2f, 1e-6);
  EXPECT_NEAR(apply_gain_db(x, -20)[1], -0.025f, 1e-7);
}

TEST(Degrade, NoiseIsAddedAtTheExactSnr) {
  const auto x = testing::voice_like(1.0, 16000);
  const auto noise = gaussian_noise(7000, 5);  // shorter than x: cycled
  for (double snr : {20.0, 10.0, 5.0, -3.0}) {
    const auto y = add_noise_at_snr(x, noise, snr);
    std::vector<float> added(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) added[i] = y[i] - x[i];
    EXPECT_NEAR(10 * std::log10(energy(x) / energy(added)), snr, 1e-3);
  }
  EXPECT_EQ(gaussian_noise(100, 5), gaussian_noise(100, 5));
  EXPECT_NE(gaussian_noise(100, 5), gaussian_noise(100, 6));
  const std::vector<float> silent(100, 0.0f);
  EXPECT_EQ(add_noise_at_snr(silent, noise, 10), silent);  // SNR undefined: unchanged
}

TEST(Degrade, TelephoneKeepsTheVoiceBandOnly) {
  auto level_after = [](double hz) {
    const auto x = testing::sine(hz, 1.0, 16000, 0.5);
    const auto y = telephone_band(x, 16000);
    EXPECT_EQ(y.size(), x.size());
    // Middle half: away from the filters' start-up.
    return rms(std::span(y).subspan(4000, 8000)) / rms(std::span(x).subspan(4000, 8000));
  };
  EXPECT_GT(level_after(1000), 0.9);
  EXPECT_LT(level_after(100), 0.2);    // 2nd-order high-pass at 300 Hz: about -19 dB
  EXPECT_LT(level_after(6000), 0.01);  // above the 4 kHz Nyquist of 8 kHz
}

TEST(Degrade, RoomImpulseResponseHasTheDirectPathAndDecaysAtItsRt60) {
  Room room;  // 6 x 4.5 x 3 m, RT60 0.5 s
  const auto h = room_impulse_response(room, 16000);
  ASSERT_EQ(h.size(), 8000u);
  double d2 = 0;
  for (int k = 0; k < 3; ++k) d2 += std::pow(room.source[k] - room.listener[k], 2);
  const auto direct = static_cast<std::size_t>(std::lround(std::sqrt(d2) / 343.0 * 16000));
  const auto peak = std::max_element(h.begin(), h.end(),
                                     [](float a, float b) { return std::abs(a) < std::abs(b); });
  EXPECT_NEAR(static_cast<double>(peak - h.begin()), static_cast<double>(direct), 1.0);
  // Nothing arrives before sound can travel the direct path (the fractional-delay sinc spans +-8).
  for (std::size_t i = 0; i + 8 < direct; ++i) EXPECT_EQ(h[i], 0.0f) << i;
  // Schroeder's energy decay curve at 0.25 s. With one reflection coefficient beta on every wall
  // an image at distance d has met about d/2 (1/L + 1/W + 1/H) walls on average, so the decay is
  // at most c (1/L + 1/W + 1/H) / 2 * 10 log10(beta^2) dB/s (135 dB/s here); images along the
  // longest axis meet only d/L walls, the slowest possible decay (63 dB/s). At 0.25 s the curve
  // lies between the two: -34 and -15.7 dB.
  const double V = room.length * room.width * room.height;
  const double S =
      2 * (room.length * room.width + room.length * room.height + room.width * room.height);
  const double beta2 = 1 - 0.161 * V / (S * room.rt60_s);
  const double per_wall_db = 10 * std::log10(beta2);  // negative
  const double fastest =
      343.0 * 0.5 * (1 / room.length + 1 / room.width + 1 / room.height) * per_wall_db * 0.25;
  const double slowest = 343.0 / room.length * per_wall_db * 0.25;
  std::vector<double> tail(h.size() + 1, 0.0);
  for (std::size_t i = h.size(); i-- > 0;) tail[i] = tail[i + 1] + double(h[i]) * h[i];
  const double edc = 10 * std::log10(tail[4000] / tail[0]);
  EXPECT_GT(edc, fastest);
  EXPECT_LT(edc, slowest);
  // A more reverberant room decays more slowly.
  Room dead = room, live = room;
  dead.rt60_s = 0.3;
  live.rt60_s = 0.8;
  auto edc_at = [](const std::vector<float>& r, std::size_t at) {
    double all = 0, late = 0;
    for (std::size_t i = 0; i < r.size(); ++i) (i >= at ? late : all) += double(r[i]) * r[i];
    return late / (all + late);
  };
  EXPECT_LT(edc_at(room_impulse_response(dead, 16000), 2400),
            edc_at(room_impulse_response(live, 16000), 2400));
  EXPECT_EQ(room_impulse_response(random_room(3, 0.2, 0.4), 16000),
            room_impulse_response(random_room(3, 0.2, 0.4), 16000));
}

TEST(Degrade, ReverberateIsConvolutionAtTheSameLevel) {
  const auto x = testing::voice_like(0.5, 16000);
  const std::vector<float> delta = {1.0f};
  const auto same = reverberate(x, delta);
  ASSERT_EQ(same.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(same[i], x[i], 1e-5);
  // A two-tap echo against the direct sum, before the level is matched.
  const std::vector<float> echo = {1.0f, 0.0f, 0.0f, 0.5f};
  const auto y = reverberate(x, echo);
  std::vector<float> direct(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) direct[i] = x[i] + (i >= 3 ? 0.5f * x[i - 3] : 0.0f);
  const double scale = rms(x) / rms(direct);
  for (std::size_t i = 0; i < x.size(); i += 97) EXPECT_NEAR(y[i], direct[i] * scale, 1e-5);
  EXPECT_NEAR(rms(y), rms(x), 1e-6);
}

// Signal-to-error ratio of y against x, in dB.
double snr_db(std::span<const float> x, std::span<const float> y) {
  double e = 0;
  for (std::size_t i = 0; i < x.size(); ++i) e += std::pow(double(x[i]) - y[i], 2);
  return 10 * std::log10(energy(x) / e);
}

TEST(FfmpegEncode, BrowserCodecsRoundTripAligned) {
  const auto x = testing::voice_like(2.0, 16000);
  AudioOptions audio;
  struct Case {
    EncodeSpec spec;
    double min_snr_db;  // a sample or more of misalignment drops this below 0 dB
  };
  for (const Case& c :
       {Case{{"webm", "libopus", 32000, ""}, 8.0}, Case{{"ogg", "libopus", 16000, ""}, 4.0},
        Case{{"mp4", "aac", 32000, ""}, 8.0}}) {
    const std::string bytes = ffmpeg_encode(x, 16000, c.spec);
    ASSERT_GT(bytes.size(), 1000u) << c.spec.encoder;
    auto y = decode_audio(std::as_bytes(std::span(bytes)), "clip", audio).samples;
    ASSERT_GE(y.size() + 1024, x.size()) << c.spec.muxer;
    y.resize(x.size(), 0.0f);
    EXPECT_GT(snr_db(x, y), c.min_snr_db) << c.spec.muxer << " " << c.spec.bit_rate;
  }
  EXPECT_THROW(ffmpeg_encode(x, 16000, {"webm", "no-such-encoder", 32000, ""}), InputError);
}

}  // namespace
}  // namespace calmspace
