// Internal to core/audio: an AudioStream over a recording already decoded in memory (the formats
// FFmpeg decodes, which are browser recordings of minutes at most: ffmpeg_decode.h).
#pragma once

#include <memory>
#include <string>

#include "core/audio/audio_stream.h"
#include "core/audio/decode.h"

namespace calmspace {

// `audio` is at options.sample_rate already; the stream hands its samples out unchanged.
std::unique_ptr<AudioStream> make_decoded_stream(Audio audio, const std::string& name,
                                                 const AudioOptions& options);

}  // namespace calmspace
