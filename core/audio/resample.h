// Sample-rate conversion of mono float32 audio with libsoxr (linear phase, no clipping).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/config/audio_options.h"

namespace calmspace {

// Number of output samples for `input_samples` at `from_rate` Hz converted to `to_rate` Hz:
// round(input_samples * to_rate / from_rate), halves rounded up (what libsoxr produces).
std::int64_t resampled_length(std::int64_t input_samples, int from_rate, int to_rate);

// Converts mono `input` (float32, any level: values beyond +-1 pass through unclipped) from
// `from_rate` to `to_rate` Hz with libsoxr; returns exactly resampled_length(...) samples, or a
// copy when the rates are equal. Quality maps to libsoxr's recipes: Quick=QQ (cubic), Low=LQ
// (16-bit), Medium=MQ (16-bit), High=HQ (20-bit), VeryHigh=VHQ (28-bit). Throws Error on failure.
std::vector<float> resample(std::span<const float> input, int from_rate, int to_rate,
                            ResampleQuality quality);

// libsoxr's recipe for a quality (SOXR_QQ ... SOXR_VHQ), for resample() and AudioStream.
unsigned long soxr_recipe(ResampleQuality quality);

}  // namespace calmspace
