// Micro-batching: Predictor::predict_many puts several recordings and all their timeline windows
// through the model in one padded batch, and ModelPool batches concurrent requests that way.
// A recording's result must not depend on what it was batched with, beyond float rounding: the
// batched path runs matrix products (sgemm) where a lone recording runs matrix-vector products
// (sgemv), which sum in another order. Tolerance: 1e-5 absolute on probabilities (rounding of
// the tiny fixture model is ~1e-7; a wrong row or window would differ by ~1e-2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "core/base/error.h"
#include "core/predict/predictor.h"
#include "serve/model_pool.h"
#include "serve/serve_fixtures.h"

namespace calmspace {
namespace {

constexpr float kTolerance = 1e-5f;

void expect_same_prediction(const Prediction& got, const Prediction& want,
                            const std::string& what) {
  EXPECT_DOUBLE_EQ(got.duration_s, want.duration_s) << what;
  EXPECT_THAT(got.probabilities,
              ::testing::Pointwise(::testing::FloatNear(kTolerance), want.probabilities))
      << what;
  ASSERT_EQ(got.timeline.size(), want.timeline.size()) << what;
  for (std::size_t w = 0; w < want.timeline.size(); ++w) {
    EXPECT_DOUBLE_EQ(got.timeline[w].start_s, want.timeline[w].start_s) << what << " window " << w;
    EXPECT_DOUBLE_EQ(got.timeline[w].end_s, want.timeline[w].end_s) << what << " window " << w;
    EXPECT_THAT(
        got.timeline[w].probabilities,
        ::testing::Pointwise(::testing::FloatNear(kTolerance), want.timeline[w].probabilities))
        << what << " window " << w;
  }
}

std::vector<std::vector<float>> recordings_of_many_lengths() {
  std::vector<std::vector<float>> clips;
  for (double seconds : {1.0, 4.0, 2.5, 6.3, 4.75, 0.4, 5.0, 3.2})
    clips.push_back(testing::voice_like(seconds, 16000, 20 + clips.size()));
  return clips;
}

TEST(ServeBatching, PredictManyMatchesEachRecordingAloneWithItsTimeline) {
  Predictor predictor(testing::fixture_checkpoint(), 1);
  const auto clips = recordings_of_many_lengths();
  std::vector<std::span<const float>> spans(clips.begin(), clips.end());
  const std::vector<Prediction> batched = predictor.predict_many(spans);
  ASSERT_EQ(batched.size(), clips.size());
  std::size_t windows = 0;
  for (std::size_t i = 0; i < clips.size(); ++i) {
    expect_same_prediction(batched[i], predictor.predict(clips[i]),
                           "recording " + std::to_string(i));
    windows += batched[i].timeline.size();
  }
  EXPECT_GT(windows, 8u) << "the recordings of 4 s and more must bring timeline windows";
}

TEST(ServeBatching, PoolGivesEachConcurrentRequestItsOwnResultAndItsOwnError) {
  const Checkpoint checkpoint = testing::fixture_checkpoint();
  serve::ModelPool pool({&checkpoint, 1}, 2, /*max_batch=*/16);
  Predictor reference(checkpoint, 1);
  const auto clips = recordings_of_many_lengths();
  std::vector<Prediction> expected;
  for (const auto& clip : clips) expected.push_back(reference.predict(clip));
  const std::vector<float> too_short(80, 0.1f);  // 5 ms: no frame with snip-edges framing

  constexpr int kThreads = 12, kRounds = 4;
  std::vector<std::vector<Prediction>> got(kThreads);
  std::vector<int> short_errors(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        if (t == 0) {  // one client keeps sending a recording too short to predict
          try {
            pool.predict(too_short, {});
          } catch (const InputError&) {
            ++short_errors[t];
          }
        }
        got[t].push_back(pool.predict(clips[(t + round) % clips.size()], {}));
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(short_errors[0], kRounds);
  for (int t = 0; t < kThreads; ++t)
    for (int round = 0; round < kRounds; ++round) {
      const std::size_t i = (t + round) % clips.size();
      expect_same_prediction(got[t][round], expected[i],
                             "thread " + std::to_string(t) + " recording " + std::to_string(i));
    }
}

}  // namespace
}  // namespace calmspace
