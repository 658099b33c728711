// Writing audio: mono float samples -> 16-bit PCM WAV or FLAC (libsndfile), atomically (temporary
// file, then rename). Samples beyond [-1, 1] are clipped by the 16-bit conversion.
#pragma once

#include <span>
#include <string>

namespace calmspace {

// Throws InputError(path, reason) when the file cannot be written.
void write_wav16(const std::string& path, std::span<const float> samples, int sample_rate);
void write_flac16(const std::string& path, std::span<const float> samples, int sample_rate);

}  // namespace calmspace
