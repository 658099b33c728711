// A recording's waveform for drawing: the minimum and maximum sample in each of `points` equal
// stretches of time (fewer for very short recordings), so the page draws it without the audio.
#pragma once

#include <nlohmann/json.hpp>
#include <span>

namespace calmspace::serve {

// {"points": N, "seconds_per_point": s, "min": [N floats], "max": [N floats]}, values rounded to
// 1e-4 (about 14 bits: plenty for a drawing, and small JSON).
nlohmann::json waveform_json(std::span<const float> samples, int sample_rate, int points = 600);

}  // namespace calmspace::serve
