// timeline_segments: windows of one emotion merge, each window stands for the stretch nearest its
// centre, and the segments cover [0, duration] without gaps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/predict/segments.h"

namespace calmspace {
namespace {

WindowPrediction window(double start, double end, int predicted, float p) {
  WindowPrediction w;
  w.start_s = start;
  w.end_s = end;
  w.predicted = predicted;
  w.probabilities = {predicted == 0 ? p : 1 - p, predicted == 1 ? p : 1 - p};
  return w;
}

TEST(Segments, MergeRunsAndSplitAtMidpointsBetweenCentres) {
  // 3 s windows every second over 6.5 s: centres 1.5, 2.5, 3.5, 4.5, 5.25 (the last is short).
  const std::vector<WindowPrediction> timeline = {window(0, 3, 0, 0.9f), window(1, 4, 0, 0.7f),
                                                  window(2, 5, 1, 0.6f), window(3, 6, 1, 0.8f),
                                                  window(4, 6.5, 0, 0.55f)};
  const std::vector<Segment> s = timeline_segments(timeline, 6.5);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_DOUBLE_EQ(s[0].start_s, 0.0);
  EXPECT_DOUBLE_EQ(s[0].end_s, 3.0);  // between centres 2.5 and 3.5
  EXPECT_EQ(s[0].predicted, 0);
  EXPECT_EQ(s[0].windows, 2);
  EXPECT_THAT(s[0].probabilities,
              ::testing::ElementsAre(::testing::FloatEq(0.8f), ::testing::FloatEq(0.2f)));
  EXPECT_DOUBLE_EQ(s[1].start_s, 3.0);
  EXPECT_DOUBLE_EQ(s[1].end_s, 4.875);  // between centres 4.5 and 5.25
  EXPECT_EQ(s[1].predicted, 1);
  EXPECT_DOUBLE_EQ(s[2].start_s, 4.875);
  EXPECT_DOUBLE_EQ(s[2].end_s, 6.5);
  EXPECT_EQ(s[2].windows, 1);
}

TEST(Segments, OneEmotionIsOneSegmentAndNoTimelineNone) {
  const std::vector<WindowPrediction> timeline = {window(0, 3, 1, 0.9f), window(1, 4, 1, 0.6f)};
  const auto s = timeline_segments(timeline, 4.2);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DOUBLE_EQ(s[0].start_s, 0.0);
  EXPECT_DOUBLE_EQ(s[0].end_s, 4.2);
  EXPECT_TRUE(timeline_segments({}, 3.0).empty());
}

}  // namespace
}  // namespace calmspace
