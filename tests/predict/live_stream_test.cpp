// LiveStream (core/predict/live_stream.h) against its definition, for each model variant of
// model_variants.h (carried: unidirectional without CMVN; recomputed: bidirectional, CMVN,
// prosody):
//   - after finish(), the stream so far equals Predictor::predict() of all the audio;
//   - every update's window equals Predictor::predict() of exactly the window's samples;
//   - the updates are the same whatever the chunking (1 sample, 160, 4,000, random sizes).
// Tolerance 1e-5 absolute on probabilities, as tests/predict/long_form_test.cpp (the recurrent
// streams see blocks of different row counts, whose GEMMs round differently).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>

#include "core/base/error.h"
#include "core/predict/live_stream.h"
#include "predict/model_variants.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using testing::checkpoint_for;
using testing::expect_near;
using testing::kVariants;
using testing::ModelVariant;

constexpr int kRate = 16000;

// The stream fed in pieces of the sizes `chunk` returns (cycled), its updates and finish()'s.
template <typename Chunk>
std::vector<LiveUpdate> stream(Predictor& predictor, const std::vector<float>& audio, Chunk chunk,
                               const LiveOptions& options = {}) {
  LiveStream live(predictor, options);
  std::vector<LiveUpdate> updates;
  for (std::size_t at = 0; at < audio.size();) {
    const std::size_t n = std::min(chunk(), audio.size() - at);
    live.push({audio.data() + at, n}, updates);
    at += n;
  }
  updates.push_back(live.finish());
  return updates;
}

Prediction offline(Predictor& predictor, std::span<const float> samples) {
  TimelineOptions no_timeline;
  no_timeline.min_duration_s = std::numeric_limits<double>::infinity();
  return predictor.predict(samples, no_timeline);
}

class Live : public ::testing::TestWithParam<ModelVariant> {};

TEST_P(Live, TheStreamSoFarEndsAsTheOfflinePredictionWhateverTheChunking) {
  Predictor predictor(checkpoint_for(GetParam()), 1);
  const std::vector<float> audio = testing::voice_like(5.3, kRate, 11);
  const Prediction want = offline(predictor, audio);
  std::mt19937 rng(5);
  std::uniform_int_distribution<std::size_t> random_size(1, 9000);
  const std::vector<std::pair<std::string, std::function<std::size_t()>>> chunkings = {
      {"1 sample", [] { return std::size_t{1}; }},
      {"160", [] { return std::size_t{160}; }},
      {"4000", [] { return std::size_t{4000}; }},
      {"random", [&] { return random_size(rng); }},
  };
  std::vector<LiveUpdate> first;
  for (const auto& [name, chunk] : chunkings) {
    const std::string what = std::string(GetParam().name) + ", chunks of " + name;
    const std::vector<LiveUpdate> updates = stream(predictor, audio, chunk);
    ASSERT_EQ(updates.size(), 22u) << what;  // 21 hops of 0.25 s in 5.3 s, then finish()'s
    const LiveUpdate& last = updates.back();
    EXPECT_TRUE(last.final) << what;
    EXPECT_DOUBLE_EQ(last.time_s, 5.3) << what;
    EXPECT_DOUBLE_EQ(last.so_far_s, 5.3) << what;
    EXPECT_EQ(last.so_far_predicted, want.predicted) << what;
    expect_near(last.so_far, want.probabilities, what + ", so far after finish");
    if (first.empty()) {
      first = updates;
      continue;
    }
    for (std::size_t u = 0; u < updates.size(); ++u) {  // the same updates as the first chunking
      EXPECT_DOUBLE_EQ(updates[u].time_s, first[u].time_s) << what << " update " << u;
      EXPECT_EQ(updates[u].window, first[u].window) << what << " update " << u;
      EXPECT_DOUBLE_EQ(updates[u].level_dbfs, first[u].level_dbfs) << what << " update " << u;
      EXPECT_DOUBLE_EQ(updates[u].so_far_s, first[u].so_far_s) << what << " update " << u;
      expect_near(updates[u].so_far, first[u].so_far,
                  what + ", so far of update " + std::to_string(u));
    }
  }
}

TEST_P(Live, EachWindowIsTheOfflinePredictionOfItsSamples) {
  Predictor predictor(checkpoint_for(GetParam()), 1);
  const std::vector<float> audio = testing::voice_like(4.6, kRate, 12);
  const LiveOptions options{.hop_s = 0.4, .window_s = 1.5};
  const std::vector<LiveUpdate> updates = stream(
      predictor, audio, [] { return std::size_t{1234}; }, options);
  ASSERT_EQ(updates.size(), 12u);  // 11 hops of 0.4 s, then finish()'s at 4.6 s
  for (std::size_t u = 0; u < updates.size(); ++u) {
    const LiveUpdate& up = updates[u];
    const double want_time = u + 1 < updates.size() ? 0.4 * double(u + 1) : 4.6;
    EXPECT_NEAR(up.time_s, want_time, 1e-12) << u;
    EXPECT_NEAR(up.window_start_s, std::max(0.0, want_time - 1.5), 1e-12) << u;
    const auto begin = static_cast<std::size_t>(std::llround(up.window_start_s * kRate));
    const auto end = static_cast<std::size_t>(std::llround(up.time_s * kRate));
    const Prediction want = offline(predictor, {audio.data() + begin, end - begin});
    EXPECT_EQ(up.window_predicted, want.predicted) << u;
    expect_near(up.window, want.probabilities, "window of update " + std::to_string(u));
    // The so-far covers frames the stream has completed: never past the audio.
    EXPECT_LE(up.so_far_s, up.time_s) << u;
    if (u > 0) {
      EXPECT_GE(up.so_far_s, updates[u - 1].so_far_s) << u;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, Live, ::testing::ValuesIn(kVariants),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(Live, SaysHowTheSoFarIsKept) {
  Predictor carried(checkpoint_for(kVariants[0]), 1);
  EXPECT_EQ(LiveStream(carried).so_far_mode(), "carried");
  Predictor bidirectional(checkpoint_for(kVariants[1]), 1);
  EXPECT_THAT(LiveStream(bidirectional).so_far_mode(), ::testing::StartsWith("recomputed: "));
  Predictor cmvn(checkpoint_for(kVariants[2]), 1);
  EXPECT_THAT(LiveStream(cmvn).so_far_mode(), ::testing::HasSubstr("CMVN"));
}

// A carried so-far is fresh at every hop once the first frames are out; a recomputed one at
// least every hop while the stream is short, and ever less often as it grows (linear cost), each
// time covering the frames then complete.
TEST(Live, ARecomputedSoFarIsRefreshedLessOftenAsTheStreamGrows) {
  for (const ModelVariant& v : {kVariants[0], kVariants[2]}) {
    Predictor predictor(checkpoint_for(v), 1);
    const std::vector<float> audio = testing::voice_like(40.0, kRate, 13);
    const std::vector<LiveUpdate> updates =
        stream(predictor, audio, [] { return std::size_t{4000}; });
    int refreshes = 0;
    for (std::size_t u = 1; u + 1 < updates.size(); ++u)
      refreshes += updates[u].so_far_s != updates[u - 1].so_far_s;
    if (v.cmvn == Cmvn::None) {
      EXPECT_EQ(refreshes, static_cast<int>(updates.size()) - 2) << v.name;
    } else {
      // Growth of 1/8 per refresh from 0.25 s to 40 s: about 8 ln(160) ~ 41 refreshes, not 159.
      EXPECT_GT(refreshes, 20) << v.name;
      EXPECT_LT(refreshes, 60) << v.name;
    }
  }
}

TEST(Live, TheLevelIsTheLastHopsRms) {
  Predictor predictor(checkpoint_for(kVariants[0]), 1);
  std::vector<float> audio(kRate);  // 0.5 s of silence, then 0.5 s of a 0.5-amplitude sine
  for (std::size_t i = kRate / 2; i < audio.size(); ++i)
    audio[i] = 0.5f * std::sin(2 * std::numbers::pi_v<float> * 440.0f * float(i) / kRate);
  const std::vector<LiveUpdate> updates =
      stream(predictor, audio, [] { return std::size_t{1000}; });
  ASSERT_EQ(updates.size(), 5u);
  EXPECT_EQ(updates[0].level_dbfs, -120.0);
  EXPECT_NEAR(updates[3].level_dbfs, 20 * std::log10(0.5 / std::sqrt(2.0)), 0.01);
  EXPECT_EQ(updates[4].level_dbfs, -120.0);  // finish() on a hop boundary: no new samples
}

TEST(Live, RefusesBadOptionsAndSamplesByName) {
  Predictor predictor(checkpoint_for(kVariants[0]), 1);
  EXPECT_THAT([&] { LiveStream(predictor, {.hop_s = 0}); },
              ::testing::ThrowsMessage<InputError>(::testing::HasSubstr("live.hop_s")));
  EXPECT_THAT([&] { LiveStream(predictor, {.window_s = std::nan("")}); },
              ::testing::ThrowsMessage<InputError>(::testing::HasSubstr("live.window_s")));
  LiveStream live(predictor);
  std::vector<LiveUpdate> updates;
  std::vector<float> samples(100, 0.1f);
  samples[42] = std::numeric_limits<float>::infinity();
  EXPECT_THAT([&] { live.push(samples, updates); },
              ::testing::ThrowsMessage<InputError>(::testing::HasSubstr("sample 42")));
  LiveStream empty(predictor);
  EXPECT_THAT([&] { empty.finish(); },
              ::testing::ThrowsMessage<InputError>(::testing::HasSubstr("too short")));
}

}  // namespace
}  // namespace calmspace
