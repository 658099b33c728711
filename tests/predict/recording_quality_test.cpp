// Recording quality (core/predict/recording_quality.h): each warning appears exactly when its
// condition holds, the meter gives the same answer block by block, and predictions carry it.
#include "core/predict/recording_quality.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/audio/degrade.h"
#include "core/predict/prediction_json.h"
#include "core/predict/predictor.h"
#include "support/model_fixtures.h"

namespace calmspace {
namespace {

std::vector<std::string> codes(const RecordingQuality& q) {
  std::vector<std::string> out;
  for (const auto& w : q.warnings) out.push_back(w.code);
  return out;
}

TEST(RecordingQuality, AnOrdinaryRecordingHasNoWarning) {
  const auto x = testing::voice_like(3.0, 16000);
  const RecordingQuality q = assess_recording(x, 16000);
  EXPECT_TRUE(q.warnings.empty());
  EXPECT_NEAR(q.duration_s, 3.0, 1e-9);
  EXPECT_GT(q.speech_level_dbfs, -20);
  EXPECT_LT(q.speech_level_dbfs, 0);
  EXPECT_EQ(q.clipped_share, 0.0);
}

TEST(RecordingQuality, EachWarningAtItsCondition) {
  const auto x = testing::voice_like(3.0, 16000);
  EXPECT_THAT(codes(assess_recording(std::span(x).first(12000), 16000)),
              ::testing::ElementsAre("too_short"));
  // The speech level follows the gain dB for dB; -50 dB puts it below -55 dBFS.
  const double level = assess_recording(x, 16000).speech_level_dbfs;
  const RecordingQuality quiet = assess_recording(apply_gain_db(x, -50), 16000);
  EXPECT_NEAR(quiet.speech_level_dbfs, level - 50, 0.5);  // the histogram's 0.5 dB bins
  EXPECT_THAT(codes(quiet), ::testing::ElementsAre("too_quiet"));
  EXPECT_TRUE(assess_recording(apply_gain_db(x, -30), 16000).warnings.empty());  // quiet, clean
  // Loud enough but drowned: speech 5 dB above white noise that fills the pauses.
  const auto noisy = add_noise_at_snr(x, gaussian_noise(x.size(), 4), 3);
  const RecordingQuality drowned = assess_recording(noisy, 16000);
  EXPECT_LT(drowned.speech_level_dbfs - drowned.noise_level_dbfs, 10);
  EXPECT_THAT(codes(drowned), ::testing::ElementsAre("too_quiet"));
  EXPECT_THAT(codes(assess_recording(apply_gain_db(x, 20), 16000)),
              ::testing::ElementsAre("clipped"));
  EXPECT_TRUE(assess_recording(apply_gain_db(x, 3), 16000).warnings.empty());
}

TEST(RecordingQuality, BlockByBlockEqualsWhole) {
  const auto x = apply_gain_db(testing::voice_like(5.0, 16000), 14);
  QualityMeter meter(16000);
  for (std::size_t at = 0; at < x.size(); at += 777)
    meter.push(std::span(x).subspan(at, std::min<std::size_t>(777, x.size() - at)));
  const RecordingQuality a = meter.result(), b = assess_recording(x, 16000);
  EXPECT_EQ(a.speech_level_dbfs, b.speech_level_dbfs);
  EXPECT_EQ(a.clipped_share, b.clipped_share);
  EXPECT_EQ(a.peak_dbfs, b.peak_dbfs);
  EXPECT_EQ(a.noise_level_dbfs, b.noise_level_dbfs);
  EXPECT_EQ(codes(a), codes(b));
}

TEST(RecordingQuality, PredictionsCarryItAndACertaintyInWords) {
  Predictor predictor(testing::fixture_checkpoint(), 1);
  const auto x = apply_gain_db(testing::voice_like(0.8, 16000), -50);
  const Prediction p = predictor.predict(x);
  EXPECT_THAT(codes(p.quality), ::testing::ElementsAre("too_short", "too_quiet"));
  const std::span<const float> one[] = {x};
  EXPECT_EQ(codes(predictor.predict_many(one)[0].quality), codes(p.quality));
  const auto j = prediction_json("x.wav", p, predictor.labels());
  EXPECT_EQ(j["quality"]["warnings"].size(), 2u);
  EXPECT_EQ(j["quality"]["warnings"][0]["code"], "too_short");
  const std::string level = j["certainty"]["level"];
  EXPECT_THAT(level, ::testing::AnyOf("fairly_sure", "leaning", "not_sure"));
  EXPECT_NE(j["certainty"]["text"].get<std::string>().find(j["predicted"].get<std::string>()),
            std::string::npos);
}

}  // namespace
}  // namespace calmspace

namespace calmspace {
namespace {

// Garbage never comes out as a prediction (issue 20): float samples far beyond full scale make
// the features infinite; the predictor names the recording instead of returning NaN, on both
// paths, and the same samples at full scale predict.
TEST(RecordingQuality, SamplesThatMakeNoNumbersAreAnErrorNotANan) {
  Predictor predictor(testing::fixture_checkpoint(), 1);
  auto samples = testing::voice_like(1.0, 16000);
  EXPECT_NO_THROW(predictor.predict(samples));
  for (float& v : samples) v *= 1e20f;
  try {
    predictor.predict(samples);
    ADD_FAILURE() << "huge samples predicted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not numbers"), std::string::npos) << e.what();
  }
  const std::span<const float> one(samples);
  EXPECT_THROW(predictor.predict_many({&one, 1}), InputError);
}

}  // namespace
}  // namespace calmspace
