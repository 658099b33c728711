// Audio in, every format one entry point: what libsndfile reads (WAV PCM 8/16/24/32 and float,
// with extra chunks anywhere; FLAC; OGG Vorbis/Opus; AIFF; MP3) and what browsers record that it
// does not (WebM/Opus from Chrome and Edge, MP4/AAC from Safari, ADTS AAC: FFmpeg, ffmpeg_decode.h;
// Ogg that libsndfile refuses is retried there) -> mono float32 at AudioOptions::sample_rate.
// Channels are averaged; the rate is converted with libsoxr at the configured quality.
// Bad input throws InputError(path, reason): one line that names the file and the reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/audio/resample.h"  // resample(), resampled_length()
#include "core/config/audio_options.h"

namespace calmspace {

struct Audio {
  // (resampled_length(source_frames, source_rate, sample_rate),) mono float32; integer PCM lies
  // in [-1, 1), float sources keep their level (values beyond +-1 are not clipped).
  std::vector<float> samples;
  int sample_rate = 0;  // Hz, == AudioOptions::sample_rate
  // The recording as stored, before conversion.
  int source_rate = 0;
  int source_channels = 0;
  std::int64_t source_frames = 0;  // frames decoded, at source_rate
  std::string source_format;       // e.g. "WAV PCM_16", "WAV FLOAT", "FLAC PCM_24", "OGG OPUS"

  double duration_s() const { return sample_rate ? double(samples.size()) / sample_rate : 0.0; }
};

// Decodes the file at `path`. Throws InputError(path, reason) on any bad input: no such file, a
// directory, an empty or unreadable file, not audio (says what it looks like), a truncated
// header, no frames, NaN/infinite samples, longer than options.max_duration_s.
Audio load_audio(const std::string& path, const AudioOptions& options);

// Decodes an in-memory file (an upload); `name` stands for the file in error messages.
Audio decode_audio(std::span<const std::byte> bytes, const std::string& name,
                   const AudioOptions& options);

// Samples at options.sample_rate an in-memory file will decode to, for reserving memory before
// decoding: from the header where libsndfile reads it, else (WebM, MP4, a header it refuses) the
// longest recording the options accept. Never more than that.
std::int64_t expected_decoded_samples(std::span<const std::byte> bytes, const std::string& name,
                                      const AudioOptions& options);

// True when `head` (a file's first bytes) is a container that FFmpeg, not libsndfile, decodes.
bool needs_ffmpeg(std::span<const std::byte> head);

// The MIME type to serve a recording with, from its decoded format ("WAV PCM_16",
// "MATROSKA OPUS", ...); never taken from a client. "application/octet-stream" if unknown.
std::string audio_mime_type(const std::string& source_format);

}  // namespace calmspace
