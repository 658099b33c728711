// What every decoder checks before a sample reaches the features (issue 20): a sample rate that an
// audio file can have, and sample values that are finite and within 60 dB of full scale. A float
// WAV of 1e20 or 3e38 is finite, but its power spectrum overflows to infinity in every frame.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace calmspace {

inline constexpr int kMinAudioRate = 4000;     // Hz: below, not even telephone speech fits
inline constexpr int kMaxAudioRate = 768000;   // Hz: the highest rate audio interfaces offer
inline constexpr float kMaxSampleValue = 1e3;  // full scale is 1; 1,000 is 60 dB above it

// Throws InputError(name, ...) unless kMinAudioRate <= rate <= kMaxAudioRate.
void check_sample_rate(const std::string& name, double rate);

// Throws InputError(name, ...) at the first NaN, infinity or |value| > kMaxSampleValue of
// interleaved `values` (`channels` per frame), naming its frame and time; `first_frame` is the
// frame index of values[0], `rate` the file's rate in Hz.
void check_sample_values(const std::string& name, std::span<const float> values, int channels,
                         std::int64_t first_frame, double rate);

}  // namespace calmspace
