// Speaker-level feature normalisation (features.speaker_norm; Schuller et al., "Cross-corpus
// acoustic emotion recognition: variances and strategies", IEEE TAC 2010, sec. 4.2: speaker
// normalisation is the strongest single remedy across corpora).
//   Statistics: per feature dimension, the mean and population std of every frame of a
//   speaker's clean clips, in double; the std floored at 1e-5 so a constant band never divides
//   by zero.
//   Normalisation of one clip of that speaker: x' = x - mean (mean), (x - mean) / std (mean_var).
// A per-utterance CMN removes the clip's own mean, and with it how loud and bright this clip is
// beside the speaker's other clips, which is much of its arousal; the speaker's mean removes the
// voice, the microphone and the level of the session and keeps that difference.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "core/base/tensor.h"
#include "core/config/feature_options.h"

namespace calmspace {

struct SpeakerStats {
  std::vector<double> mean;  // (F,)
  std::vector<double> std;   // (F,), >= 1e-5
  std::int64_t frames = 0;   // frames the statistics saw
};

// Statistics of each speaker over `clips` (every clip's valid frames), speakers[k] being the
// speaker of clips[k]. Throws InputError("features.speaker_norm", ...) when a speaker has no frame.
std::map<int, SpeakerStats> speaker_stats(std::span<const FeatureMatrix> clips,
                                          std::span<const int> speakers);

// In place: clip's rows normalised with `stats` in `mode` (Cmvn::None does nothing).
void apply_speaker_norm(FeatureMatrix& clip, const SpeakerStats& stats, Cmvn mode);

}  // namespace calmspace
