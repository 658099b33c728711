#include "core/predict/segments.h"

namespace calmspace {

std::vector<Segment> timeline_segments(const std::vector<WindowPrediction>& timeline,
                                       double duration_s) {
  std::vector<Segment> segments;
  const auto centre = [&](std::size_t i) { return (timeline[i].start_s + timeline[i].end_s) / 2; };
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    const WindowPrediction& w = timeline[i];
    const double from = i == 0 ? 0.0 : (centre(i - 1) + centre(i)) / 2;
    const double to = i + 1 == timeline.size() ? duration_s : (centre(i) + centre(i + 1)) / 2;
    if (segments.empty() || segments.back().predicted != w.predicted) {
      Segment s;
      s.start_s = from;
      s.predicted = w.predicted;
      s.probabilities.assign(w.probabilities.size(), 0.0f);
      segments.push_back(std::move(s));
    }
    Segment& s = segments.back();
    s.end_s = to;
    ++s.windows;
    for (std::size_t c = 0; c < w.probabilities.size(); ++c)
      s.probabilities[c] += w.probabilities[c];
  }
  for (Segment& s : segments)
    for (float& p : s.probabilities) p /= static_cast<float>(s.windows);
  return segments;
}

}  // namespace calmspace
