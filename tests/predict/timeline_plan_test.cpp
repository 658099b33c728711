// TimelinePlan: a window settled while the recording is still arriving is the window the whole
// recording gives, whatever its final length; and every window of a recording is either settled
// on the way or given at the end.
#include <gtest/gtest.h>

#include "core/predict/timeline_windows.h"

namespace calmspace {
namespace {

bool same(const TimelineWindow& a, const TimelineWindow& b) {
  return a.start_s == b.start_s && a.end_s == b.end_s && a.first_frame == b.first_frame &&
         a.end_frame == b.end_frame;
}

TEST(TimelinePlan, SettledWindowsNeverChange) {
  for (const bool center : {true, false}) {
    FeatureOptions f;
    f.hop_ms = 20;
    f.center = center;
    const FrameLayout layout = FrameLayout::from(f, 16000);
    for (const TimelineOptions& timeline :
         {TimelineOptions{3.0, 1.0, 4.0}, TimelineOptions{0.5, 0.75, 0.0},
          TimelineOptions{2.0, 0.02, 1.0}}) {
      const TimelinePlan plan(16000, timeline, layout);
      for (const std::int64_t total : {16000 * 4, 16000 * 4 + 1, 16000 * 7 + 333, 100000}) {
        const std::int64_t frames = layout.num_frames(total);
        const auto all = timeline_windows(total, 16000, timeline, layout, frames);
        // Arrivals every 1,234 samples: what settles at each is window(k) of the whole recording.
        std::size_t settled = 0;
        for (std::int64_t known = 0; known <= total; known += 1234) {
          const std::int64_t frames_known = std::min(frames, layout.num_frames(known) / 2 * 2);
          for (std::int64_t k = 0;; ++k) {
            const auto w = plan.settled(k, known, frames_known);
            if (!w) break;
            ASSERT_LT(static_cast<std::size_t>(k), all.size()) << total << " samples";
            EXPECT_TRUE(same(*w, all[static_cast<std::size_t>(k)]))
                << "window " << k << " settled at " << known << " of " << total << " samples";
            settled = std::max(settled, static_cast<std::size_t>(k + 1));
          }
        }
        // The rest come from window() at the end, and it stops after the last.
        for (std::size_t k = settled; k < all.size(); ++k)
          EXPECT_TRUE(same(*plan.window(static_cast<std::int64_t>(k), total, frames), all[k]));
        if (plan.has_timeline(total)) {
          EXPECT_FALSE(plan.window(static_cast<std::int64_t>(all.size()), total, frames));
        }
      }
    }
  }
}

}  // namespace
}  // namespace calmspace
