// The windows of a recording's emotion timeline: window_s long, one starting every hop_s, the last
// one ending at the recording's end (possibly shorter; with window_s < hop_s, the last start). Each
// window is predicted from the recording's own feature frames whose centres lie inside it (the last
// window also keeps the final frame, centred on the recording's end), so window borders see the
// real signal on both sides, features are computed once per recording, and a window starting at 0
// is a prefix of the recording (a unidirectional model reads its states off the recording's pass).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/features/framing.h"

namespace calmspace {

struct TimelineOptions {
  double window_s = 3.0;        // window length in seconds
  double hop_s = 1.0;           // window start every hop_s seconds
  double min_duration_s = 4.0;  // recordings shorter than this get no timeline
};

struct TimelineWindow {
  double start_s = 0, end_s = 0;  // in the recording, seconds
  std::int64_t first_frame = 0;   // feature frames [first_frame, end_frame), never empty
  std::int64_t end_frame = 0;
};

// The windows one at a time: the whole list for a recording whose length is known, and, for one
// still arriving (a long file read block by block), each window as soon as it can no longer
// change whatever the final length.
class TimelinePlan {
 public:
  TimelinePlan(int sample_rate, const TimelineOptions& timeline, const FrameLayout& layout);

  // False when the options are not positive (no timeline at all).
  bool valid() const { return valid_; }
  // Whether a recording of num_samples samples gets a timeline (long enough, valid options); once
  // true for the samples that have arrived, true for the whole recording.
  bool has_timeline(std::int64_t num_samples) const;
  // Window k of a recording of exactly num_samples samples and num_frames frames; nullopt after
  // the last window.
  std::optional<TimelineWindow> window(std::int64_t k, std::int64_t num_samples,
                                       std::int64_t num_frames) const;
  // Window k of a recording of which samples_known samples and frames_known feature frames have
  // arrived, when it is certain: it ends before the samples known and its frames have all
  // arrived (then it equals window(k, N, frames) for every final length N). nullopt otherwise.
  std::optional<TimelineWindow> settled(std::int64_t k, std::int64_t samples_known,
                                        std::int64_t frames_known) const;
  // First frame any window k' >= k can start at.
  std::int64_t first_frame_of(std::int64_t k) const;

 private:
  // First frame whose centre (sample index) is at or after `sample`.
  std::int64_t first_frame_from(std::int64_t sample) const;

  double rate_;
  TimelineOptions timeline_;
  FrameLayout layout_;
  bool valid_;
  std::int64_t window_ = 0, hop_ = 1;  // in samples
};

// Every window of a recording. Empty when the recording is shorter than min_duration_s, has no
// frames, or the options are not positive. `num_frames` = layout.num_frames(num_samples).
std::vector<TimelineWindow> timeline_windows(std::int64_t num_samples, int sample_rate,
                                             const TimelineOptions& timeline,
                                             const FrameLayout& layout, std::int64_t num_frames);

}  // namespace calmspace
