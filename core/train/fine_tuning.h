// Starting a run from a trained model (train.init; issue 25's "learn from my corrections"):
//   the base model's audio, features and model sections replace the config's (the weights only
//   make sense with the features they were trained on), its weights are the starting point and
//   its input normalisation is kept (a handful of a person's clips would make poor statistics);
//   train.trainable freezes the lower layers. The dataset must have the model's label set, in
//   its order: prepare it with data.labels (core/dataset/prepare.h) to map it by name.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "core/config/config.h"
#include "core/dataset/dataset_file.h"
#include "core/dataset/label_map.h"
#include "core/run/checkpoint.h"

namespace calmspace {

// `config` with `base`'s audio, features and model sections (its train, data and augment stay).
Config fine_tuning_config(const Checkpoint& base, Config config);

// InputError(dataset path, ...) naming both label lists, and the data.labels that would align
// them, when the dataset's labels are not the model's, in order, by canonical name (`map`:
// data.label_map and the built-in synonyms, so TESS's "ps" is the model's "surprised").
void check_fine_tuning_labels(const DatasetFile& dataset, const Checkpoint& base,
                              const LabelMap& map);

// How many weights at the start of the flat buffer stay fixed (parameter_layout order: recurrent
// layers, layer norms, pooling, head): 0 for all; every recurrent layer and layer norm for head;
// all but the last recurrent layer (both directions) for top, whose layer norms, all after the
// recurrent layers, stay trainable (InputError naming train.trainable for a one-layer model).
std::size_t frozen_weights(const ModelOptions& model, int input_dim, int num_classes,
                           Trainable trainable);

// train.init_mix: `weights` <- init + mix x (weights - init), elementwise (same sizes).
void mix_towards_init(std::span<float> weights, std::span<const float> init, double mix);

}  // namespace calmspace
