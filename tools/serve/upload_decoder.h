// An uploaded recording -> mono float32 at the model's rate. Every mainstream browser's recording
// decodes: WAV/FLAC/Ogg (Vorbis, Opus: Firefox)/AIFF/MP3 through libsndfile (core/audio/decode.h),
// WebM/Opus (Chrome, Edge) and MP4/AAC (Safari; .m4a uploads) through FFmpeg.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "core/audio/decode.h"

namespace calmspace::serve {

// Throws InputError(name, reason) when the bytes are not decodable audio (the reason says what
// they look like). Ogg that libsndfile refuses is retried with FFmpeg.
Audio decode_upload(std::span<const std::byte> bytes, const std::string& name,
                    const AudioOptions& options);

// Samples at options.sample_rate the upload will decode to, for reserving memory before decoding:
// from the header where libsndfile reads it, else (WebM, MP4, a header it refuses) the longest
// recording the options accept. Never more than that.
std::int64_t expected_upload_samples(std::span<const std::byte> bytes, const std::string& name,
                                     const AudioOptions& options);

// The MIME type to serve a stored recording with, from its decoded format ("WAV PCM_16",
// "MATROSKA OPUS", ...); never taken from the client. "application/octet-stream" if unknown.
std::string audio_mime_type(const std::string& source_format);

}  // namespace calmspace::serve
