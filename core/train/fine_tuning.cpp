#include "core/train/fine_tuning.h"

#include "core/base/error.h"
#include "core/base/text.h"
#include "core/dataset/label_map.h"
#include "core/model/param_index.h"

namespace calmspace {
Config fine_tuning_config(const Checkpoint& base, Config config) {
  const Config trained = base.config("train.init");
  config.audio = trained.audio;
  config.features = trained.features;
  config.model = trained.model;
  return config;
}

void check_fine_tuning_labels(const DatasetFile& dataset, const Checkpoint& base,
                              const LabelMap& map) {
  const auto& have = dataset.label_names();
  bool same = have.size() == base.labels.size();
  for (std::size_t i = 0; same && i < have.size(); ++i)
    same = map.canonical(have[i]) == map.canonical(base.labels[i]);
  if (same) return;
  throw InputError(dataset.path(),
                   cat("has the labels (", join(dataset.label_names(), " "),
                       ") but the model of train.init has (", join(base.labels, " "),
                       "); prepare the data with data.labels=[", join(base.labels, ","), "]"));
}

std::size_t frozen_weights(const ModelOptions& model, int input_dim, int num_classes,
                           Trainable trainable) {
  if (trainable == Trainable::All) return 0;
  const ModelParamIndex index = make_param_index(model, input_dim, num_classes);
  if (trainable == Trainable::Head)
    return static_cast<std::size_t>(index.att_w >= 0 ? index.att_w : index.head_w);
  if (model.num_layers < 2)
    throw InputError("train.trainable",
                     "top trains the last recurrent layer and freezes the ones below, but the "
                     "model has one layer: use all or head");
  const int directions = model.bidirectional ? 2 : 1;
  return static_cast<std::size_t>(index.at(model.num_layers - 1, 0, directions).w_ih);
}

void mix_towards_init(std::span<float> weights, std::span<const float> init, double mix) {
  CALMSPACE_CHECK(weights.size() == init.size(), "mixing ", weights.size(), " weights with ",
                  init.size());
  const auto m = static_cast<float>(mix);
  for (std::size_t i = 0; i < weights.size(); ++i)
    weights[i] = init[i] + m * (weights[i] - init[i]);
}

}  // namespace calmspace
