#include "serve/waveform.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace calmspace::serve {
namespace {

// Smallest and largest of `x` (non-empty, finite), eight lanes at a time: plain compares the
// compiler turns into SIMD min/max (std::minmax_element's index bookkeeping does not vectorise).
std::pair<float, float> min_max(std::span<const float> x) {
  constexpr std::size_t kLanes = 8;
  float lo[kLanes], hi[kLanes];
  std::fill(lo, lo + kLanes, x[0]);
  std::fill(hi, hi + kLanes, x[0]);
  std::size_t i = 0;
  for (; i + kLanes <= x.size(); i += kLanes)
    for (std::size_t k = 0; k < kLanes; ++k) {
      lo[k] = x[i + k] < lo[k] ? x[i + k] : lo[k];
      hi[k] = x[i + k] > hi[k] ? x[i + k] : hi[k];
    }
  for (; i < x.size(); ++i) {
    lo[0] = std::min(lo[0], x[i]);
    hi[0] = std::max(hi[0], x[i]);
  }
  return {*std::min_element(lo, lo + kLanes), *std::max_element(hi, hi + kLanes)};
}

}  // namespace

nlohmann::json waveform_json(std::span<const float> samples, int sample_rate, int points) {
  const std::size_t n = samples.size();
  const std::size_t count = std::min<std::size_t>(std::max(points, 1), n);
  auto round4 = [](float v) { return std::round(double(v) * 1e4) / 1e4; };
  nlohmann::json lo = nlohmann::json::array(), hi = nlohmann::json::array();
  lo.get_ref<nlohmann::json::array_t&>().reserve(count);
  hi.get_ref<nlohmann::json::array_t&>().reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t begin = i * n / count, end = (i + 1) * n / count;
    const auto [mn, mx] = min_max(samples.subspan(begin, end - begin));
    lo.push_back(round4(mn));
    hi.push_back(round4(mx));
  }
  const double seconds = count ? double(n) / sample_rate / count : 0.0;
  return {{"points", count}, {"seconds_per_point", seconds}, {"min", lo}, {"max", hi}};
}

}  // namespace calmspace::serve
