// A model as safetensors (`calmspace export --format safetensors`, and `predict --model
// FILE.safetensors`): every parameter under its PyTorch name (rnn.weight_ih_l0, head.weight, ...:
// load_state_dict into nn.LSTM/GRU/RNN named `rnn` + nn.Linear named `head`) plus
// input_norm.mean and input_norm.std (F,), and metadata:
//   format "calmspace-model", labels (JSON list), features (feature options YAML, as
//   feature_options_yaml), model (model options YAML), sample_rate (Hz, decimal), input_norm
//   ("true"/"false": whether the model normalises inputs), config (the full resolved YAML).
#pragma once

#include <map>
#include <string>

#include "core/base/safetensors.h"
#include "core/run/checkpoint.h"

namespace calmspace {

// ModelOptions as a YAML mapping (same keys as the config's `model` section).
std::string model_options_yaml(const ModelOptions& options);

// The metadata every model export carries (safetensors __metadata__, ONNX metadata_props):
// format, labels, features, model, sample_rate, input_norm, config (see above).
std::map<std::string, std::string> model_export_metadata(const Checkpoint& checkpoint);

// The export of a checkpoint, and its inverse for inference: a Checkpoint with config, labels,
// layout (parameter_layout of the stored config), weights and norm; TrainingState left default.
Safetensors checkpoint_to_safetensors(const Checkpoint& checkpoint);
Checkpoint checkpoint_from_safetensors(const Safetensors& file, const std::string& path);

// What an export's metadata alone gives (the safetensors and ONNX importers' common start): config,
// labels and layout, no weights or norm. InputError(path, reason) when the metadata lacks a key,
// names another format, or its config or labels do not parse.
Checkpoint checkpoint_shell_from_metadata(const std::map<std::string, std::string>& metadata,
                                          const std::string& path);

}  // namespace calmspace
