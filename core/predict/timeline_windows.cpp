#include "core/predict/timeline_windows.h"

#include <algorithm>
#include <cmath>

namespace calmspace {

TimelinePlan::TimelinePlan(int sample_rate, const TimelineOptions& timeline,
                           const FrameLayout& layout)
    : rate_(sample_rate),
      timeline_(timeline),
      layout_(layout),
      valid_(timeline.window_s > 0 && timeline.hop_s > 0) {
  if (!valid_) return;
  window_ = static_cast<std::int64_t>(std::llround(timeline.window_s * rate_));
  hop_ = std::max<std::int64_t>(1, std::llround(timeline.hop_s * rate_));
}

bool TimelinePlan::has_timeline(std::int64_t num_samples) const {
  return valid_ && !(num_samples / rate_ < timeline_.min_duration_s);
}

std::int64_t TimelinePlan::first_frame_from(std::int64_t sample) const {
  const std::int64_t centre0 = layout_.first_sample(0) + layout_.win / 2;
  const std::int64_t d = sample - centre0;
  return d <= 0 ? 0 : (d + layout_.hop - 1) / layout_.hop;
}

std::int64_t TimelinePlan::first_frame_of(std::int64_t k) const {
  return first_frame_from(k * hop_);
}

std::optional<TimelineWindow> TimelinePlan::window(std::int64_t k, std::int64_t num_samples,
                                                   std::int64_t num_frames) const {
  if (!valid_ || num_frames <= 0 || k < 0) return std::nullopt;
  // Window k - 1 was the last when it reached the end, or the next start would not be inside:
  // windows shorter than the hop leave gaps; none is empty.
  if (k > 0) {
    const std::int64_t previous = (k - 1) * hop_;
    if (previous + window_ >= num_samples || previous + hop_ >= num_samples) return std::nullopt;
  }
  const std::int64_t start = k * hop_;
  const std::int64_t end = std::min(num_samples, start + window_);
  TimelineWindow w;
  w.start_s = start / rate_;
  w.end_s = end / rate_;
  w.first_frame = std::min(first_frame_from(start), num_frames - 1);
  w.end_frame = end == num_samples ? num_frames : first_frame_from(end);
  w.end_frame = std::clamp(w.end_frame, w.first_frame + 1, num_frames);
  return w;
}

std::optional<TimelineWindow> TimelinePlan::settled(std::int64_t k, std::int64_t samples_known,
                                                    std::int64_t frames_known) const {
  if (!valid_ || k < 0) return std::nullopt;
  const std::int64_t start = k * hop_;
  if (start + window_ >= samples_known) return std::nullopt;  // might still reach the end
  const std::int64_t first = first_frame_from(start);
  const std::int64_t end = std::max(first_frame_from(start + window_), first + 1);
  if (end > frames_known) return std::nullopt;  // frames still to come
  // For any final length N > start + window (so N frames >= frames_known): window(k, N, ...)
  // clamps neither bound and ends at start + window.
  TimelineWindow w;
  w.start_s = start / rate_;
  w.end_s = (start + window_) / rate_;
  w.first_frame = first;
  w.end_frame = end;
  return w;
}

std::vector<TimelineWindow> timeline_windows(std::int64_t num_samples, int sample_rate,
                                             const TimelineOptions& timeline,
                                             const FrameLayout& layout, std::int64_t num_frames) {
  std::vector<TimelineWindow> windows;
  const TimelinePlan plan(sample_rate, timeline, layout);
  if (!plan.has_timeline(num_samples)) return windows;
  for (std::int64_t k = 0;; ++k) {
    const auto w = plan.window(k, num_samples, num_frames);
    if (!w) break;
    windows.push_back(*w);
  }
  return windows;
}

}  // namespace calmspace
