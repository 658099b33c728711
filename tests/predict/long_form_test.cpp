// Predictor::predict() reads a recording block by block (core/predict/long_form.cpp). Its results
// equal the definition: the whole recording as one clip, and each timeline window as a clip of
// its own on the recording's frames inside it (predict_many, the one-batch path, and the model
// itself on extracted features). Tolerance 1e-5 absolute on probabilities, as in
// tests/serve/timeline_test.cpp (GEMMs over different row counts and the online softmax of
// attention pooling round differently).
// Covered: unidirectional and bidirectional models, features with and without CMVN, an ensemble,
// recordings from below one window to 20 minutes (the one-batch path would need ~18 GB of input
// for that one), the memory budget at its edge, and the segments.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/base/error.h"
#include "core/features/feature_extractor.h"
#include "core/model/loss.h"
#include "core/predict/predictor.h"
#include "core/run/model_checkpoint.h"
#include "predict/model_variants.h"
#include "support/model_fixtures.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using testing::checkpoint_for;
using testing::expect_near;
using testing::kVariants;
using testing::ModelVariant;

void expect_same(const Prediction& got, const Prediction& want, const std::string& what) {
  EXPECT_DOUBLE_EQ(got.duration_s, want.duration_s) << what;
  expect_near(got.probabilities, want.probabilities, what + ", whole recording");
  ASSERT_EQ(got.timeline.size(), want.timeline.size()) << what;
  for (std::size_t w = 0; w < want.timeline.size(); ++w) {
    EXPECT_DOUBLE_EQ(got.timeline[w].start_s, want.timeline[w].start_s) << what << " window " << w;
    EXPECT_DOUBLE_EQ(got.timeline[w].end_s, want.timeline[w].end_s) << what << " window " << w;
    expect_near(got.timeline[w].probabilities, want.timeline[w].probabilities,
                what + ", window " + std::to_string(w));
  }
}

class LongForm : public ::testing::TestWithParam<ModelVariant> {};

// The block-by-block path against the one-batch path on recordings the latter can still hold.
TEST_P(LongForm, EqualsTheOneBatchPath) {
  Predictor predictor(checkpoint_for(GetParam()), 1);
  for (const double seconds : {0.05, 2.0, 4.0, 6.3, 33.7}) {
    const std::vector<float> recording = testing::voice_like(seconds, 16000, 4);
    const std::span<const float> one[] = {recording};
    const Prediction want = predictor.predict_many(one).front();
    const Prediction got = predictor.predict(recording);
    expect_same(got, want, std::string(GetParam().name) + ", " + std::to_string(seconds) + " s");
    EXPECT_EQ(got.timeline.empty(), seconds < 4.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, LongForm, ::testing::ValuesIn(kVariants),
                         [](const auto& p) { return std::string(p.param.name); });

// 20 minutes: the whole recording equals the model on all its frames as one clip, and windows
// (every 97th, and the last) equal the model on their frames alone. The one-batch path would pad
// 1,198 windows to 60,001 frames each.
TEST(LongForm, TwentyMinutesEqualTheDefinition) {
  const Checkpoint checkpoint = checkpoint_for(kVariants[0]);
  Predictor predictor(checkpoint, 2);
  const std::vector<float> recording = testing::voice_like(20 * 60, 16000, 5);
  const Prediction p = predictor.predict(recording);
  ASSERT_EQ(p.timeline.size(), 1198u);  // 3 s windows every second: starts 0 .. 1197 s

  const Config config = checkpoint.config();
  const auto extractor = make_cpu_feature_extractor(config.features, 16000);
  const FeatureMatrix x = extractor->extract(recording);
  const auto windows = timeline_windows(static_cast<std::int64_t>(recording.size()), 16000, {},
                                        FrameLayout::from(config.features, 16000), x.frames);
  ASSERT_EQ(windows.size(), p.timeline.size());
  const auto model = model_from_checkpoint(checkpoint, {"cpu", Precision::Fp32});
  const auto C = static_cast<std::int64_t>(checkpoint.labels.size());
  const auto probabilities_of = [&](std::int64_t first, std::int64_t end) {
    PaddedBatch clip;
    clip.batch = 1;
    clip.dim = x.dim;
    clip.max_frames = end - first;
    clip.lengths = {clip.max_frames};
    clip.data.assign(x.data.begin() + first * x.dim, x.data.begin() + end * x.dim);
    std::vector<float> logits, probs(static_cast<std::size_t>(C));
    model->forward(clip, logits, false, 0);
    softmax(logits, 1, C, probs);
    return probs;
  };
  expect_near(p.probabilities, probabilities_of(0, x.frames), "whole recording");
  for (std::size_t w = 0; w < windows.size(); w += (w + 1 == windows.size() - 1 ? 1 : 97)) {
    EXPECT_DOUBLE_EQ(p.timeline[w].start_s, windows[w].start_s);
    expect_near(p.timeline[w].probabilities,
                probabilities_of(windows[w].first_frame, windows[w].end_frame),
                "window " + std::to_string(w));
  }
  if (windows.size() > 1) {  // the loop's step lands on the last window
    const std::size_t last = windows.size() - 1;
    expect_near(p.timeline[last].probabilities,
                probabilities_of(windows[last].first_frame, windows[last].end_frame),
                "last window");
  }
}

// An ensemble streams each member and averages the logits, as the one-batch path does.
TEST(LongForm, EnsembleEqualsTheOneBatchPath) {
  const Checkpoint members[] = {checkpoint_for(kVariants[0], 7), checkpoint_for(kVariants[0], 8)};
  Predictor predictor(members, 1);
  const std::vector<float> recording = testing::voice_like(9.5, 16000, 6);
  const std::span<const float> one[] = {recording};
  expect_same(predictor.predict(recording), predictor.predict_many(one).front(), "ensemble");
}

// The memory budget at its edge: exactly memory_needed() is allowed, a byte less is refused with
// the reason, before any work. A bidirectional model holds every frame, so its need grows with
// the recording; a unidirectional one's does not.
TEST(LongForm, MemoryBudgetAtItsEdge) {
  Predictor bi(checkpoint_for(kVariants[1]), 1);
  const std::vector<float> recording = testing::voice_like(60, 16000, 7);
  const auto n = static_cast<std::int64_t>(recording.size());
  const std::int64_t need = bi.memory_needed(n);
  // Nine more minutes hold at least 9 x 3,001 more frames of 16 features and their forward.
  const int F = 16;
  EXPECT_GE(
      bi.memory_needed(10 * n) - need,
      9 * 3001 * (F * 4 + forward_bytes_per_frame(checkpoint_for(kVariants[1]).config().model, F)));
  bi.set_memory_budget(need);
  EXPECT_NO_THROW(bi.predict(recording));
  bi.set_memory_budget(need - 1);
  try {
    bi.predict(recording);
    FAIL() << "a recording over the memory budget was predicted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "audio");
    EXPECT_THAT(e.reason(), ::testing::HasSubstr("over the memory budget"));
  }

  Predictor uni(checkpoint_for(kVariants[0]), 1);
  EXPECT_LT(uni.memory_needed(100 * n), uni.memory_needed(n) + (std::int64_t{8} << 20))
      << "a unidirectional model's memory must not grow with the recording beyond its timeline";
}

TEST(LongForm, TooShortForAFrameIsAnInputError) {
  Predictor predictor(testing::fixture_checkpoint(), 1);  // snip-edges framing: 400 samples
  const std::vector<float> short_clip(100, 0.1f);
  EXPECT_THROW(predictor.predict(short_clip), InputError);
}

}  // namespace
}  // namespace calmspace
