// The windows of a recording's emotion timeline: window_s long, one starting every hop_s, the last
// one ending at the recording's end (possibly shorter; with window_s < hop_s, the last start). Each
// window is predicted from the recording's own feature frames whose centres lie inside it (the last
// window also keeps the final frame, centred on the recording's end), so window borders see the
// real signal on both sides, features are computed once per recording, and a window starting at 0
// is a prefix of the recording (a unidirectional model reads its states off the recording's pass).
#pragma once

#include <cstdint>
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

// Empty when the recording is shorter than min_duration_s, has no frames, or the options are not
// positive. `num_frames` = layout.num_frames(num_samples).
std::vector<TimelineWindow> timeline_windows(std::int64_t num_samples, int sample_rate,
                                             const TimelineOptions& timeline,
                                             const FrameLayout& layout, std::int64_t num_frames);

}  // namespace calmspace
