// Speaker-level feature normalisation (features.speaker_norm; Schuller et al., "Cross-corpus
// acoustic emotion recognition: variances and strategies", IEEE TAC 2010, sec. 4.2: speaker
// normalisation is the strongest single remedy across corpora).
//   Statistics: FeatureStats (feature_stats.h) over every frame of a speaker's clean clips.
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
#include "core/features/feature_stats.h"

namespace calmspace {

// Statistics of each speaker over `clips` (every clip's valid frames), speakers[k] being the
// speaker of clips[k]. Throws InputError("features.speaker_norm", ...) when a speaker has no frame.
std::map<int, FeatureStats> speaker_stats(std::span<const FeatureMatrix> clips,
                                          std::span<const int> speakers);

// In place: clip's rows normalised with `stats` in `mode` (Cmvn::None does nothing).
void apply_speaker_norm(FeatureMatrix& clip, const FeatureStats& stats, Cmvn mode);

}  // namespace calmspace
