#include "core/run/model_checkpoint.h"

#include <algorithm>

#include "core/model/backend.h"

namespace calmspace {

int model_input_dim(const Config& config) {
  return config.features.feature_dim(config.audio.sample_rate);
}

std::unique_ptr<SequenceModel> model_from_checkpoint(const Checkpoint& checkpoint,
                                                     const ComputeOptions& compute) {
  const Config config = checkpoint.config();
  auto model = make_sequence_model(config.model, model_input_dim(config),
                                   static_cast<int>(checkpoint.labels.size()), 0, compute);
  CALMSPACE_CHECK(model->weights().size() == checkpoint.weights.size(), "checkpoint holds ",
                  checkpoint.weights.size(), " weights, the model ", model->weights().size());
  std::copy(checkpoint.weights.begin(), checkpoint.weights.end(), model->weights().begin());
  model->set_input_norm(checkpoint.norm_mean, checkpoint.norm_std);
  return model;
}

Checkpoint checkpoint_of(SequenceModel& model, Config& config,
                         const std::vector<std::string>& labels, const TrainingState& state) {
  Checkpoint c;
  c.config_yaml = config.to_yaml();
  c.labels = labels;
  c.layout = model.layout();
  c.weights.assign(model.weights().begin(), model.weights().end());
  c.norm_mean.assign(model.input_mean().begin(), model.input_mean().end());
  c.norm_std.assign(model.input_std().begin(), model.input_std().end());
  c.state = state;
  return c;
}

}  // namespace calmspace
