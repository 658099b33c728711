#include "core/predict/voice_enrolment.h"

#include "core/audio/trim.h"
#include "core/base/error.h"
#include "core/features/cpu_feature_extractor.h"

namespace calmspace {
namespace {

Cmvn speaker_mode(const Config& config, const std::string& model_name) {
  const Cmvn mode = config.features.speaker_norm;
  if (mode == Cmvn::None)
    throw InputError(model_name,
                     "was not trained with speaker-level normalisation (features.speaker_norm): "
                     "enrolling a voice changes nothing for it");
  return mode;
}

// The model's feature options before speaker normalisation (what the training's statistics saw).
FeatureOptions raw_features(FeatureOptions options) {
  options.speaker_norm = Cmvn::None;
  options.speaker_norm_label.clear();
  return options;
}

}  // namespace

FeatureStats voice_statistics(const Checkpoint& model, const std::string& model_name,
                              std::span<const std::vector<float>> recordings, int threads) {
  const Config config = model.config(model_name);
  speaker_mode(config, model_name);
  const CpuFeatureExtractor extractor(raw_features(config.features), config.audio.sample_rate);
  FeatureStatsAccumulator stats(extractor.feature_dim());
  for (const std::vector<float>& recording : recordings) {
    const std::span<const float> samples = kept_samples(recording, config.audio);  // trim.h
    const std::int64_t frames = extractor.num_frames(static_cast<std::int64_t>(samples.size()));
    if (frames <= 0) continue;
    std::vector<float> rows(static_cast<std::size_t>(frames * extractor.feature_dim()));
    extractor.extract_into(samples, rows.data(), threads);
    stats.add_rows(rows, frames);
  }
  FeatureStats out = stats.finish();
  if (out.frames == 0)
    throw InputError("voice", "the enrolment recordings are too short to give a feature frame");
  return out;
}

Checkpoint enrolled_model(const Checkpoint& model, const std::string& model_name,
                          const FeatureStats& voice) {
  Config config = model.config(model_name);
  const Cmvn mode = speaker_mode(config, model_name);
  const std::size_t F = model.norm_mean.size();
  if (voice.mean.size() != F || voice.std.size() != F)
    throw InputError("voice", cat("statistics of ", voice.mean.size(), " features for a model of ",
                                  F, ": enrolled with another model"));
  Checkpoint out = model;
  for (std::size_t f = 0; f < F; ++f) {
    const float m = config.model.input_norm ? model.norm_mean[f] : 0.0f;
    const float s = config.model.input_norm ? model.norm_std[f] : 1.0f;
    const float sigma = mode == Cmvn::MeanVar ? voice.std[f] : 1.0f;
    out.norm_mean[f] = voice.mean[f] + m * sigma;
    out.norm_std[f] = s * sigma;
  }
  config.features = raw_features(config.features);
  config.model.input_norm = true;
  out.config_yaml = config.to_yaml();
  return out;
}

}  // namespace calmspace
