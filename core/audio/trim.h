// Silence trimming: a recording's leading and trailing silence cut before anything else hears it,
// after librosa.effects.trim's rule (frames more than top_db below the loudest frame are silence;
// librosa's own frames are 2048 / 512 samples, centred, with a -100 dB floor):
//   frames: 25 ms every 10 ms (400 / 160 samples at 16 kHz), frame k = samples [k hop, k hop + win)
//           for every k with k hop + win <= N (no padding)
//   energy: 10 log10(mean of the frame's squared samples + 1e-20), dB, in double
//   active: energy > the loudest frame's energy - top_db
//   kept:   [first active frame's start - margin, last active frame's end + margin), clamped to
//           [0, N], and to N when the last active frame is the recording's last frame (its last
//           samples, fewer than a hop, belong to no frame); the whole recording when it is no
//           longer than a frame, or a frame's energy is not finite (the features' own checks
//           report such samples)
// Gain cancels: every frame's energy moves by the same dB. bench/trim/trim_silence.py is the same
// rule in Python (the prototype the first measurements were made with: a model trained with
// audio.trim_db and one trained on the prototype's trimmed copy give the same metrics).
#pragma once

#include <cstdint>
#include <span>

#include "core/config/audio_options.h"

namespace calmspace {

struct SampleRange {
  std::int64_t begin = 0, end = 0;  // samples [begin, end)
  std::int64_t size() const { return end - begin; }
};

// The samples of `samples` (mono at sample_rate Hz) kept by the rule above.
SampleRange speech_range(std::span<const float> samples, int sample_rate, double top_db,
                         double margin_ms);

// What `audio` says to keep of one recording: speech_range() with its trim_db and
// trim_margin_ms, or every sample when trimming is off (trim_db = 0) or the recording is longer
// than trim_max_s.
SampleRange kept_range(std::span<const float> samples, const AudioOptions& audio);
inline std::span<const float> kept_samples(std::span<const float> samples,
                                           const AudioOptions& audio) {
  const SampleRange r = kept_range(samples, audio);
  return samples.subspan(static_cast<std::size_t>(r.begin), static_cast<std::size_t>(r.size()));
}
// Whether `audio` trims a recording of num_samples samples.
bool trims(const AudioOptions& audio, std::int64_t num_samples);

}  // namespace calmspace
