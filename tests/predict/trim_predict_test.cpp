// A model trained with audio.trim_db (core/audio/trim.h) hears a recording with its leading and
// trailing silence cut, on every prediction path: its prediction and timeline equal the same
// weights' on the kept samples alone, with window times in the recording's own seconds, and its
// duration and level checks of the whole recording. Tolerance: kPredictTolerance (1e-5 absolute,
// model_variants.h) between paths.
#include <gtest/gtest.h>

#include "core/audio/audio_stream.h"
#include "core/audio/decode.h"
#include "core/audio/encode.h"
#include "core/audio/trim.h"
#include "core/base/error.h"
#include "core/predict/live_stream.h"
#include "core/predict/predictor.h"
#include "predict/model_variants.h"
#include "support/model_fixtures.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using testing::checkpoint_for;
using testing::expect_near;
using testing::kVariants;

constexpr int kRate = 16000;

// The prosody + CMVN variant (its features need the whole recording), trimming at `top_db`.
Checkpoint trimming_model(double top_db, double trim_max_s = 600.0) {
  Checkpoint c = checkpoint_for(kVariants[3]);
  Config config = c.config();
  config.audio.trim_db = top_db;
  config.audio.trim_max_s = trim_max_s;
  c.config_yaml = config.to_yaml();
  return c;
}

// `lead` s of digital silence, `voice` s of voice_like(), `tail` s of silence.
std::vector<float> padded_voice(double lead, double voice, double tail) {
  std::vector<float> x(static_cast<std::size_t>(lead * kRate), 0.0f);
  const std::vector<float> v = testing::voice_like(voice, kRate, 9);
  x.insert(x.end(), v.begin(), v.end());
  x.resize(x.size() + static_cast<std::size_t>(tail * kRate), 0.0f);
  return x;
}

void expect_same_prediction(const Prediction& got, const Prediction& want, double shift_s,
                            const std::string& what) {
  expect_near(got.probabilities, want.probabilities, what + ", whole recording");
  ASSERT_EQ(got.timeline.size(), want.timeline.size()) << what;
  for (std::size_t w = 0; w < want.timeline.size(); ++w) {
    EXPECT_NEAR(got.timeline[w].start_s, want.timeline[w].start_s + shift_s, 1e-12) << what;
    EXPECT_NEAR(got.timeline[w].end_s, want.timeline[w].end_s + shift_s, 1e-12) << what;
    expect_near(got.timeline[w].probabilities, want.timeline[w].probabilities,
                what + ", window " + std::to_string(w));
  }
}

TEST(TrimmedPrediction, HearsTheKeptSamplesOnEveryPathInTheRecordingsOwnTime) {
  const std::vector<float> recording = padded_voice(1.5, 6.3, 1.0);
  Predictor trimming(trimming_model(40.0), 1);
  Predictor plain(trimming_model(0.0), 1);
  const SampleRange kept = kept_range(recording, trimming.config().audio);
  ASSERT_GT(kept.begin, 0);
  ASSERT_LT(kept.end, static_cast<std::int64_t>(recording.size()));
  const std::vector<float> heard(recording.begin() + kept.begin, recording.begin() + kept.end);
  const Prediction want = plain.predict(heard);
  ASSERT_FALSE(want.timeline.empty());
  const double shift = double(kept.begin) / kRate;

  const Prediction streamed = trimming.predict(recording);
  const std::span<const float> one[] = {recording};
  const Prediction batched = trimming.predict_many(one).front();
  for (const auto& [p, what] : {std::pair{&streamed, "predict"}, {&batched, "predict_many"}}) {
    expect_same_prediction(*p, want, shift, what);
    EXPECT_DOUBLE_EQ(p->duration_s, double(recording.size()) / kRate) << what;
    ASSERT_FALSE(p->segments.empty()) << what;
    EXPECT_DOUBLE_EQ(p->segments.front().start_s, 0.0) << what;
    EXPECT_DOUBLE_EQ(p->segments.back().end_s, p->duration_s) << what;
    const RecordingQuality whole = assess_recording(recording, kRate);
    EXPECT_DOUBLE_EQ(p->quality.duration_s, whole.duration_s) << what;
    EXPECT_DOUBLE_EQ(p->quality.noise_level_dbfs, whole.noise_level_dbfs) << what;
  }
  // The same probabilities as the one-clip call, and unlike the untrimmed recording's.
  const std::span<const float> clips[] = {recording};
  expect_near(trimming.probabilities(clips), want.probabilities, "probabilities()");
  const Prediction untrimmed = plain.predict(recording);
  float largest_change = 0;
  for (std::size_t c = 0; c < want.probabilities.size(); ++c)
    largest_change =
        std::max(largest_change, std::abs(untrimmed.probabilities[c] - want.probabilities[c]));
  EXPECT_GT(largest_change, 1e-3f) << "the silence should matter to this model";
}

TEST(TrimmedPrediction, ARecordingLongerThanTrimMaxSIsHeardWhole) {
  const std::vector<float> recording = padded_voice(1.0, 6.0, 0.5);  // 7.5 s
  Predictor trimming(trimming_model(40.0, 5.0), 1);
  Predictor plain(trimming_model(0.0), 1);
  const Prediction want = plain.predict(recording);
  const std::span<const float> one[] = {recording};
  expect_same_prediction(trimming.predict(recording), want, 0.0, "predict");
  expect_same_prediction(trimming.predict_many(one).front(), want, 0.0, "predict_many");
}

// A recording of exactly trim_max_s is trimmed, one sample more is heard whole, on both paths.
TEST(TrimmedPrediction, TrimMaxSIsInclusiveOnBothPaths) {
  Predictor trimming(trimming_model(40.0, 2.0), 1);  // 32,000 samples at most
  Predictor plain(trimming_model(0.0), 1);
  std::vector<float> recording = padded_voice(0.5, 1.5, 0.0);
  ASSERT_EQ(recording.size(), 32000u);
  for (const bool longer : {false, true}) {
    if (longer) recording.push_back(0.0f);
    const std::string what = longer ? "32,001 samples" : "32,000 samples";
    const std::span<const float> one[] = {recording};
    const Prediction streamed = trimming.predict(recording);
    expect_same_prediction(trimming.predict_many(one).front(), streamed, 0.0, what);
    const SampleRange kept = kept_range(recording, trimming.config().audio);
    EXPECT_EQ(kept.begin > 0, !longer) << what;
    const std::vector<float> heard(recording.begin() + kept.begin, recording.begin() + kept.end);
    expect_same_prediction(streamed, plain.predict(heard), double(kept.begin) / kRate, what);
  }
}

// A file read block by block through an AudioStream: the same as its samples in memory.
TEST(TrimmedPrediction, AnAudioStreamIsTrimmedAsItsSamplesAre) {
  testing::ScratchDir dir;
  const auto path = (dir / "padded.wav").string();
  write_wav16(path, padded_voice(2.0, 5.0, 1.5), kRate);
  Predictor trimming(trimming_model(40.0), 1);
  const auto stream = AudioStream::open(path, trimming.config().audio);
  const Prediction got = trimming.predict(*stream);
  const Prediction want = trimming.predict(load_audio(path, trimming.config().audio).samples);
  expect_same_prediction(got, want, 0.0, "stream");
  EXPECT_DOUBLE_EQ(got.duration_s, 8.5);
  ASSERT_FALSE(got.timeline.empty());
  EXPECT_GT(got.timeline.front().start_s, 1.5);  // the first window starts where speech does
}

TEST(TrimmedPrediction, MemoryNeededCountsTheHeldSamplesUpToTrimMaxS) {
  Predictor trimming(trimming_model(40.0), 1);
  Predictor plain(trimming_model(0.0), 1);
  const auto extra = [&](std::int64_t n) {
    return trimming.memory_needed(n) - plain.memory_needed(n);
  };
  const std::int64_t minute = 60 * kRate;
  EXPECT_EQ(extra(minute), 3 * 4 * (minute + 1));  // three times: the buffer while it grows
  EXPECT_EQ(extra(60 * minute), 3 * 4 * (10 * minute + 1));  // no more than trim_max_s = 600 s
  EXPECT_EQ(extra(60 * minute), extra(11 * minute));
}

TEST(TrimmedPrediction, LiveAnalysisRefusesAModelThatTrims) {
  Predictor trimming(trimming_model(40.0), 1);
  try {
    LiveStream live(trimming, LiveOptions{});
    ADD_FAILURE() << "a live stream was made";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("audio.trim_db"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace calmspace
