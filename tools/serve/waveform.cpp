#include "tools/serve/waveform.h"

#include <algorithm>
#include <cmath>

namespace calmspace::serve {

nlohmann::json waveform_json(std::span<const float> samples, int sample_rate, int points) {
  const std::size_t n = samples.size();
  const std::size_t count = std::min<std::size_t>(std::max(points, 1), n);
  auto round4 = [](float v) { return std::round(double(v) * 1e4) / 1e4; };
  nlohmann::json lo = nlohmann::json::array(), hi = nlohmann::json::array();
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t begin = i * n / count, end = (i + 1) * n / count;
    const auto [mn, mx] = std::minmax_element(samples.begin() + begin, samples.begin() + end);
    lo.push_back(round4(*mn));
    hi.push_back(round4(*mx));
  }
  const double seconds = count ? double(n) / sample_rate / count : 0.0;
  return {{"points", count}, {"seconds_per_point", seconds}, {"min", lo}, {"max", hi}};
}

}  // namespace calmspace::serve
