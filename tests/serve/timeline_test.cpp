// The emotion timeline: which feature frames each window takes (timeline_windows.h), and that a
// window's probabilities are the model's on exactly those frames as a clip of its own, for a
// unidirectional model (window 0 read off the recording's pass, as a prefix) and a bidirectional
// one. Tolerance 1e-5 on probabilities, as in batching_test.cpp (sgemm vs sgemv rounding).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/features/feature_extractor.h"
#include "core/model/loss.h"
#include "core/predict/predictor.h"
#include "core/predict/timeline_windows.h"
#include "core/run/model_checkpoint.h"
#include "serve/serve_fixtures.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

FrameLayout layout_of(bool center) {
  FeatureOptions f;  // 25 ms windows (400 samples), n_fft 512
  f.hop_ms = 20;     // 320 samples at 16 kHz
  f.center = center;
  return FrameLayout::from(f, 16000);
}

using Frames = std::pair<std::int64_t, std::int64_t>;

std::vector<Frames> frames_of(const std::vector<TimelineWindow>& windows) {
  std::vector<Frames> out;
  for (const auto& w : windows) out.emplace_back(w.first_frame, w.end_frame);
  return out;
}

TEST(TimelineWindows, CentredFramesOfAFourSecondRecording) {
  const FrameLayout layout = layout_of(true);
  ASSERT_EQ(layout.num_frames(64000), 201);  // centres 0, 320, ..., 64000 samples
  const auto w = timeline_windows(64000, 16000, {3.0, 1.0, 4.0}, layout, 201);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_DOUBLE_EQ(w[0].start_s, 0.0);
  EXPECT_DOUBLE_EQ(w[0].end_s, 3.0);
  EXPECT_DOUBLE_EQ(w[1].start_s, 1.0);
  EXPECT_DOUBLE_EQ(w[1].end_s, 4.0);
  // [0 s, 3 s): centres 0 .. 2.98 s; [1 s, 4 s]: centres 1.00 .. 4.00 s (the last window keeps
  // the frame centred on the recording's end).
  EXPECT_THAT(frames_of(w), ::testing::ElementsAre(Frames{0, 150}, Frames{50, 201}));
}

TEST(TimelineWindows, SnipEdgeFramesUseTheirCentres) {
  const FrameLayout layout = layout_of(false);
  ASSERT_EQ(layout.num_frames(64000), 199);  // frame t covers [320 t, 320 t + 400)
  const auto w = timeline_windows(64000, 16000, {3.0, 1.0, 4.0}, layout, 199);
  // Centres 320 t + 200: below 48000 for t <= 149; at or after 16000 from t = 50.
  EXPECT_THAT(frames_of(w), ::testing::ElementsAre(Frames{0, 150}, Frames{50, 199}));
}

TEST(TimelineWindows, NoneForShortRecordingsOrBadOptionsAndNeverAnEmptyWindow) {
  const FrameLayout layout = layout_of(true);
  EXPECT_TRUE(timeline_windows(63999, 16000, {3.0, 1.0, 4.0}, layout, 200).empty());
  EXPECT_TRUE(timeline_windows(64000, 16000, {0.0, 1.0, 4.0}, layout, 201).empty());
  EXPECT_TRUE(timeline_windows(64000, 16000, {3.0, -1.0, 4.0}, layout, 201).empty());
  // 5 ms windows are shorter than the 20 ms frame hop: each still gets one frame.
  const auto tiny = timeline_windows(64000, 16000, {0.005, 0.5, 0.0}, layout, 201);
  ASSERT_EQ(tiny.size(), 8u);  // starts 0, 0.5, ..., 3.5 s: none starts at the end (4 s)
  for (const auto& w : tiny) EXPECT_EQ(w.end_frame - w.first_frame, 1) << w.start_s;
  EXPECT_EQ(tiny.front().end_frame, 1);
  EXPECT_DOUBLE_EQ(tiny.back().start_s, 3.5);
  EXPECT_EQ(tiny.back().first_frame, 175);  // centred on 3.5 s
}

Checkpoint checkpoint_with(bool bidirectional) {
  Checkpoint c = testing::fixture_checkpoint();
  Config config = c.config();
  config.features.center = true;
  config.features.hop_ms = 20;
  config.model.bidirectional = bidirectional;
  config.model.num_layers = 2;
  config.model.pooling = PoolingKind::Attention;
  c.config_yaml = config.to_yaml();
  const int f = config.features.feature_dim(config.audio.sample_rate);
  c.layout = parameter_layout(config.model, f, static_cast<int>(c.labels.size()));
  c.weights = testing::white_noise(c.layout.back().offset + c.layout.back().size, 0.4, 5);
  return c;
}

class PredictorTimeline : public ::testing::TestWithParam<bool> {};

TEST_P(PredictorTimeline, EachWindowIsTheModelOnItsFramesAlone) {
  const Checkpoint checkpoint = checkpoint_with(GetParam());
  Predictor predictor(checkpoint, 1);
  const std::vector<float> recording = testing::voice_like(6.3, 16000, 4);
  const Prediction p = predictor.predict(recording);
  ASSERT_EQ(p.timeline.size(), 5u);  // 3 s windows starting at 0, 1, 2, 3 and 4 s

  const Config config = checkpoint.config();
  const auto extractor = make_cpu_feature_extractor(config.features, 16000);
  const std::span<const float> one[] = {recording};
  const PaddedBatch x = extractor->extract_batch(one);
  const auto windows = timeline_windows(static_cast<std::int64_t>(recording.size()), 16000, {},
                                        FrameLayout::from(config.features, 16000), x.lengths[0]);
  ASSERT_EQ(windows.size(), p.timeline.size());
  const auto model = model_from_checkpoint(checkpoint, {"cpu", Precision::Fp32});
  const auto C = static_cast<std::int64_t>(checkpoint.labels.size());
  for (std::size_t w = 0; w < windows.size(); ++w) {
    PaddedBatch alone;
    alone.batch = 1;
    alone.dim = x.dim;
    alone.max_frames = windows[w].end_frame - windows[w].first_frame;
    alone.lengths = {alone.max_frames};
    alone.data.assign(x.data.begin() + windows[w].first_frame * x.dim,
                      x.data.begin() + windows[w].end_frame * x.dim);
    std::vector<float> logits, probs(static_cast<std::size_t>(C));
    model->forward(alone, logits, false, 0);
    softmax(logits, 1, C, probs);
    EXPECT_DOUBLE_EQ(p.timeline[w].start_s, windows[w].start_s);
    EXPECT_THAT(p.timeline[w].probabilities,
                ::testing::Pointwise(::testing::FloatNear(1e-5f), probs))
        << "window " << w << " (frames " << windows[w].first_frame << " to " << windows[w].end_frame
        << ")";
  }
}

INSTANTIATE_TEST_SUITE_P(Directions, PredictorTimeline, ::testing::Bool(), [](const auto& p) {
  return p.param ? "bidirectional" : "unidirectional";
});

}  // namespace
}  // namespace calmspace
