// The emotion timeline as segments, as SpeechBrain's emotion diarization gives it
// (`diarize_file`: start, end, emotion): consecutive windows with the same most likely emotion
// merged into one stretch. Windows overlap (3 s every 1 s by default), so each window stands for
// the stretch nearest its centre: from the midpoint between its centre and the previous window's
// to the midpoint with the next one's (the first from 0 s, the last to the recording's end).
// The segments thus cover [0, duration] without gaps or overlaps.
#pragma once

#include <vector>

namespace calmspace {

// The model's prediction for one timeline window (timeline_windows.h).
struct WindowPrediction {
  double start_s = 0, end_s = 0;
  std::vector<float> probabilities;  // (C,)
  int predicted = 0;
};

struct Segment {
  double start_s = 0, end_s = 0;
  int predicted = 0;                 // the emotion every merged window predicts
  std::vector<float> probabilities;  // (C,) mean over the merged windows
  int windows = 0;                   // how many windows were merged
};

// Segments of `timeline` (windows in time order) over a recording of duration_s seconds; empty
// when the timeline is.
std::vector<Segment> timeline_segments(const std::vector<WindowPrediction>& timeline,
                                       double duration_s);

}  // namespace calmspace
