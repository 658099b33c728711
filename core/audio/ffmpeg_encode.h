// Encoding mono audio the way browsers send it, in memory, with Debian's FFmpeg libraries: Opus
// in WebM (Chrome, Firefox), AAC in MP4 (Safari). The robustness check (core/eval/robustness.h)
// runs clips through encode and decode_audio to measure what a codec does to a prediction; the
// tests make browser-style uploads with it.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/config/audio_options.h"

namespace calmspace {

struct EncodeSpec {
  std::string muxer = "webm";       // FFmpeg muxer: "webm", "ogg", "mp4", "adts"
  std::string encoder = "libopus";  // FFmpeg encoder: "libopus", "aac"
  int bit_rate = 32000;             // bit/s
  std::string movflags;             // mp4 only, e.g. "frag_keyframe+empty_moov" (Safari)
};

// The encoded file's bytes. `sample_rate` must be one the encoder takes (Opus: 8, 12, 16, 24 or
// 48 kHz). Throws InputError("encoder", reason) when FFmpeg lacks the encoder or fails.
std::string ffmpeg_encode(std::span<const float> samples, int sample_rate, const EncodeSpec& spec);

// What a listener hears after the codec: `samples` encoded with `spec`, decoded (resampled back
// to `sample_rate` at `quality` where the codec decodes at another rate, as Opus at 48 kHz), then
// cut or zero-padded to the input's length. InputError as ffmpeg_encode, or from the decoder.
std::vector<float> codec_round_trip(std::span<const float> samples, int sample_rate,
                                    const EncodeSpec& spec,
                                    ResampleQuality quality = ResampleQuality::High);

}  // namespace calmspace
