#include "core/audio/resample.h"

#include <soxr.h>

#include <algorithm>

#include "core/base/error.h"

namespace calmspace {

unsigned long soxr_recipe(ResampleQuality quality) {
  switch (quality) {
    case ResampleQuality::Quick:
      return SOXR_QQ;
    case ResampleQuality::Low:
      return SOXR_LQ;
    case ResampleQuality::Medium:
      return SOXR_MQ;
    case ResampleQuality::High:
      return SOXR_HQ;
    case ResampleQuality::VeryHigh:
      return SOXR_VHQ;
  }
  return SOXR_HQ;
}

std::int64_t resampled_length(std::int64_t input_samples, int from_rate, int to_rate) {
  CALMSPACE_CHECK(from_rate > 0 && to_rate > 0, "sample rates must be positive: ", from_rate,
                  " -> ", to_rate);
  CALMSPACE_CHECK(input_samples >= 0 && input_samples < (std::int64_t{1} << 40),
                  "input length out of range: ", input_samples);
  // Exact integer arithmetic: input_samples < 2^40 and rates < 2^23 cannot overflow.
  return (input_samples * to_rate + from_rate / 2) / from_rate;
}

std::vector<float> resample(std::span<const float> input, int from_rate, int to_rate,
                            ResampleQuality quality) {
  const std::int64_t want =
      resampled_length(static_cast<std::int64_t>(input.size()), from_rate, to_rate);
  if (from_rate == to_rate) return {input.begin(), input.end()};
  std::vector<float> out(static_cast<std::size_t>(want));
  if (input.empty() || out.empty()) return out;
  // One call: libsoxr flushes its filter at the end of the input and stops when `out` is full,
  // so the output is aligned with the input (linear phase, delay removed) and exactly `want` long.
  std::size_t done = 0;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t q = soxr_quality_spec(soxr_recipe(quality), 0);
  const soxr_runtime_spec_t rt = soxr_runtime_spec(1);  // callers parallelise across clips
  const soxr_error_t err = soxr_oneshot(from_rate, to_rate, 1, input.data(), input.size(), nullptr,
                                        out.data(), out.size(), &done, &io, &q, &rt);
  if (err) throw Error(cat("libsoxr resampling ", from_rate, " -> ", to_rate, " Hz failed: ", err));
  // libsoxr rounds its output length the same way; should it ever stop short, the missing tail
  // (at most one sample, past the last input sample) is silence rather than garbage.
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(std::min(done, out.size())), out.end(), 0.f);
  return out;
}

}  // namespace calmspace
