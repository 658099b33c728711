// Internal to core/audio: reads an open libsndfile handle into mono float32 at the source rate.
#pragma once

#include <sndfile.h>

#include <string>

#include "core/audio/decode.h"

namespace calmspace::detail {

// Reads every frame of `file` (described by `info`), averaging channels, then resamples to
// options.sample_rate. `name` is the subject of any InputError (no audio, non-finite samples,
// too long, decoding error).
Audio read_sndfile(SNDFILE* file, const SF_INFO& info, const std::string& name,
                   const AudioOptions& options);

// "WAV PCM_16", "FLAC PCM_24", "OGG OPUS", "MPEG MPEG_LAYER_III", ... from SF_INFO::format.
std::string format_name(int format);

}  // namespace calmspace::detail
