#include "core/predict/timeline_windows.h"

#include <algorithm>
#include <cmath>

namespace calmspace {
namespace {

// First frame whose centre (sample index) is at or after `sample`.
std::int64_t first_frame_from(std::int64_t sample, const FrameLayout& layout) {
  const std::int64_t centre0 = layout.first_sample(0) + layout.win / 2;
  const std::int64_t d = sample - centre0;
  return d <= 0 ? 0 : (d + layout.hop - 1) / layout.hop;
}

}  // namespace

std::vector<TimelineWindow> timeline_windows(std::int64_t num_samples, int sample_rate,
                                             const TimelineOptions& timeline,
                                             const FrameLayout& layout, std::int64_t num_frames) {
  std::vector<TimelineWindow> windows;
  const double rate = sample_rate;
  if (num_samples / rate < timeline.min_duration_s || timeline.window_s <= 0 ||
      timeline.hop_s <= 0 || num_frames <= 0)
    return windows;
  const auto window = static_cast<std::int64_t>(std::llround(timeline.window_s * rate));
  const auto hop = std::max<std::int64_t>(1, std::llround(timeline.hop_s * rate));
  for (std::int64_t start = 0;; start += hop) {
    const std::int64_t end = std::min(num_samples, start + window);
    TimelineWindow w;
    w.start_s = start / rate;
    w.end_s = end / rate;
    w.first_frame = std::min(first_frame_from(start, layout), num_frames - 1);
    w.end_frame = end == num_samples ? num_frames : first_frame_from(end, layout);
    w.end_frame = std::clamp(w.end_frame, w.first_frame + 1, num_frames);
    windows.push_back(w);
    if (end == num_samples || start + hop >= num_samples)
      break;  // windows shorter than the hop
              // leave gaps; none is empty
  }
  return windows;
}

}  // namespace calmspace
