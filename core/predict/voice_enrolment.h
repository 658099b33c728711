// Voice enrolment at inference (issue 25): a model trained with speaker-level normalisation
// (features.speaker_norm, core/features/speaker_norm.h) normalises each clip with its speaker's
// feature statistics. For one person's new recording those come from a few recordings of theirs
// (a neutral reading: features.speaker_norm_label), not from the recording itself.
// The statistics fold into the model's input normalisation, so the enrolled model is an ordinary
// checkpoint every path runs unchanged (predict, serve, the timeline, live):
//   training:  x -> x' = (x - mu_v) [/ sigma_v] -> (x' - m) / s      (m, s: input_norm)
//   enrolled:  x -> (x - m') / s',  m' = mu_v + m [* sigma_v],  s' = s [* sigma_v]
// with features.speaker_norm: none (raw features, cmvn none) and model.input_norm on (an input
// normalisation that was off is m = 0, s = 1).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/features/feature_stats.h"
#include "core/run/checkpoint.h"

namespace calmspace {

// The voice's statistics over every frame of `recordings` (mono at the model's sample rate), with
// the model's features before any speaker normalisation. InputError(model_name, ...) when the
// model was not trained with features.speaker_norm; InputError("voice", ...) when the recordings
// give no feature frame.
FeatureStats voice_statistics(const Checkpoint& model, const std::string& model_name,
                              std::span<const std::vector<float>> recordings, int threads = 1);

// `model` with `voice` folded in (above). InputError(model_name, ...) as voice_statistics;
// InputError("voice", ...) when the statistics have another feature count than the model.
Checkpoint enrolled_model(const Checkpoint& model, const std::string& model_name,
                          const FeatureStats& voice);

}  // namespace calmspace
