// Internal to core/audio (decode.h is the entry point): browser recordings that libsndfile does
// not read, decoded with Debian's FFmpeg libraries:
// WebM/Matroska (Chrome, Edge: Opus), MP4/M4A (Safari: AAC), ADTS AAC, and Ogg as a fallback.
// Only these demuxers are allowed (FFmpeg's format_whitelist), and input comes from memory only:
// no playlist or reference demuxer can make FFmpeg open another file or a URL.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "core/audio/decode.h"

namespace calmspace {

// True when `bytes` start like a container FFmpeg should decode (WebM/Matroska, ISO BMFF, ADTS).
bool is_ffmpeg_container(std::span<const std::byte> bytes);

// Decodes the best audio stream of an in-memory file to mono float32 at options.sample_rate
// (channels averaged, libsoxr resampling as in core/audio). Throws InputError(name, reason) for
// anything that is not decodable audio, has no audio stream, non-finite samples or is longer than
// options.max_duration_s.
Audio ffmpeg_decode(std::span<const std::byte> bytes, const std::string& name,
                    const AudioOptions& options);

// The same for a file on disk (read whole: FFmpeg decodes from memory only).
Audio ffmpeg_decode_file(const std::string& path, const AudioOptions& options);

}  // namespace calmspace
