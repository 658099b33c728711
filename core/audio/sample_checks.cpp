#include "core/audio/sample_checks.h"

#include <algorithm>
#include <cmath>

#include "core/base/error.h"

namespace calmspace {

void check_sample_rate(const std::string& name, double rate) {
  if (!(rate >= kMinAudioRate && rate <= kMaxAudioRate))
    throw InputError(name, cat("sample rate ", rate, " Hz is not one an audio recording has (",
                               kMinAudioRate, "-", kMaxAudioRate, " Hz accepted)"));
}

void check_sample_values(const std::string& name, std::span<const float> values, int channels,
                         std::int64_t first_frame, double rate) {
  bool fine = true;  // branch-free pass first: the common case is all fine
  for (const float v : values) fine &= std::abs(v) <= kMaxSampleValue;  // false for NaN too
  if (fine) return;
  const auto bad = std::find_if(values.begin(), values.end(),
                                [](float v) { return !(std::abs(v) <= kMaxSampleValue); });
  const std::int64_t frame = first_frame + (bad - values.begin()) / std::max(channels, 1);
  const std::string where = cat(" at frame ", frame, " (", double(frame) / rate, " s)");
  if (!std::isfinite(*bad))
    throw InputError(name, cat("contains a non-finite sample (NaN or infinity)", where));
  throw InputError(name, cat("contains the sample value ", *bad, where,
                             ", far outside audio's range (full scale is 1; at most ",
                             kMaxSampleValue, " is accepted)"));
}

}  // namespace calmspace
