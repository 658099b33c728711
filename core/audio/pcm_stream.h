// Live audio on a file descriptor (a pipe from arecord, ffmpeg, sox, parec): raw PCM or a WAV
// stream, decoded as it arrives, of unknown length, for `calmspace listen`.
//   raw: s16le (signed 16-bit little-endian, /32768) or f32le (float32 little-endian), at the
//        rate and channel count given;
//   wav: the RIFF header read from the stream (PCM 16/24/32-bit, float 32-bit, plain or
//        WAVE_FORMAT_EXTENSIBLE), then its data chunk; a data size of 0 or >= 0x7FFFFFFF (what
//        arecord and ffmpeg write when they cannot seek back) means "until the stream ends";
//   auto: wav when the stream begins with "RIFF", else s16le.
// Each read hands out what has arrived (whole frames; a partial frame waits for its bytes), so
// AudioStream::read() of a small block returns as soon as that much audio exists. Channels are
// averaged and the rate converted to options.sample_rate as for files (audio_stream.h).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/audio/audio_stream.h"

namespace calmspace {

struct PcmInput {
  std::string format = "auto";  // auto, wav, s16le or f32le
  int rate = 0;                 // raw formats: Hz (0 = options.sample_rate)
  int channels = 1;             // raw formats
};

// Reads `fd` (not closed). `name` stands for it in errors. `stop`, when given and set (by a signal
// handler), ends the stream at the next interrupted read as if the input had ended.
// InputError(name, reason): an unknown format, a WAV header that is not one, an unsupported
// sample format, a rate or channel count out of range, a read error.
std::unique_ptr<AudioStream> open_pcm_stream(int fd, const std::string& name, const PcmInput& input,
                                             const AudioOptions& options,
                                             const std::atomic<bool>* stop = nullptr);

}  // namespace calmspace
