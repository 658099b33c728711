// safetensors export (`calmspace export --format safetensors`) and reader (tests, and
// `predict --model FILE.safetensors`). File format (https://github.com/huggingface/safetensors):
//   8 bytes: N, little-endian uint64 = header length
//   N bytes: UTF-8 JSON {"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [...],
//            "data_offsets": [begin, end]}, ...}, padded with spaces to a multiple of 8 bytes
//   then the raw little-endian tensor data; offsets are relative to its start, contiguous, in
//   file order.
// An exported model holds every parameter under its PyTorch name (rnn.weight_ih_l0, head.weight,
// ...: load_state_dict into nn.LSTM/GRU/RNN named `rnn` + nn.Linear named `head`) plus
// input_norm.mean and input_norm.std (F,), and metadata:
//   format "calmspace-model", labels (JSON list), features (feature options YAML, as
//   feature_options_yaml), model (model options YAML), sample_rate (Hz, decimal), input_norm
//   ("true"/"false": whether the model normalises inputs), config (the full resolved YAML).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/model/checkpoint.h"

namespace calmspace {

struct SafetensorsTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<float> data;  // product(shape) values, row-major
};

struct Safetensors {
  std::map<std::string, std::string> metadata;
  std::vector<SafetensorsTensor> tensors;  // in file order
  // nullptr when absent.
  const SafetensorsTensor* find(const std::string& name) const;
};

// Atomic write (temporary, then rename). Throws InputError(path, reason).
void write_safetensors(const std::string& path, const Safetensors& file);
// Reads F32 tensors (other dtypes: InputError). Throws InputError(path, reason) for a truncated
// or malformed file.
Safetensors read_safetensors(const std::string& path);

// ModelOptions as a YAML mapping (same keys as the config's `model` section).
std::string model_options_yaml(const ModelOptions& options);

// The metadata every model export carries (safetensors __metadata__, ONNX metadata_props):
// format, labels, features, model, sample_rate, input_norm, config (see the top of this file).
std::map<std::string, std::string> model_export_metadata(const Checkpoint& checkpoint);

// The export of a checkpoint, and its inverse for inference: a Checkpoint with config, labels,
// layout (parameter_layout of the stored config), weights and norm; TrainingState left default.
Safetensors checkpoint_to_safetensors(const Checkpoint& checkpoint);
Checkpoint checkpoint_from_safetensors(const Safetensors& file, const std::string& path);
void export_safetensors(const Checkpoint& checkpoint, const std::string& path);

}  // namespace calmspace
