// Audio in: any file libsndfile reads (WAV PCM 8/16/24/32 and float, with extra chunks anywhere;
// FLAC; OGG Vorbis/Opus; AIFF; MP3) -> mono float32 at AudioOptions::sample_rate.
// Channels are averaged; the rate is converted with libsoxr at the configured quality.
// Bad input throws InputError(path, reason): one line that names the file and the reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/audio/audio_options.h"

namespace calmspace {

struct Audio {
  std::vector<float> samples;  // mono, float32, nominally in [-1, 1]
  int sample_rate = 0;         // Hz, == AudioOptions::sample_rate
  // The recording as stored, before conversion.
  int source_rate = 0;
  int source_channels = 0;
  std::int64_t source_frames = 0;
  std::string source_format;  // e.g. "WAV PCM_16", "FLAC PCM_16", "AIFF PCM_16"

  double duration_s() const { return sample_rate ? double(samples.size()) / sample_rate : 0.0; }
};

// Decodes the file at `path`. Throws InputError(path, reason) on any bad input.
Audio load_audio(const std::string& path, const AudioOptions& options);

// Decodes an in-memory file (an upload); `name` stands for the file in error messages.
Audio decode_audio(std::span<const std::byte> bytes, const std::string& name,
                   const AudioOptions& options);

// Converts mono `input` from `from_rate` to `to_rate` Hz with libsoxr; returns a copy if equal.
std::vector<float> resample(std::span<const float> input, int from_rate, int to_rate,
                            ResampleQuality quality);

}  // namespace calmspace
