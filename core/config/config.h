// The resolved configuration of a run: one section per stage. Loaded from YAML, then
// `section.key=value` overrides; unknown sections/keys and bad values are InputErrors naming the
// key path and the file. Every command that writes output writes `to_yaml()` beside it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config/audio_options.h"
#include "core/config/data_options.h"
#include "core/config/feature_options.h"
#include "core/config/model_options.h"
#include "core/config/train_options.h"

namespace calmspace {

struct Config {
  AudioOptions audio;
  FeatureOptions features;
  DataOptions data;
  ModelOptions model;
  TrainOptions train;
  AugmentOptions augment;

  // Sections in print order; the registries point into this object.
  std::vector<std::pair<std::string, OptionRegistry>> sections();

  // Merges a YAML file's values over the current ones. `source` names the file in errors.
  void merge_yaml(const YAML::Node& root, const std::string& source);
  void load_file(const std::string& path);
  // The same for YAML text (a config stored in a model file); `source` names it in errors.
  void merge_yaml_text(const std::string& text, const std::string& source);
  // One `section.key=value` override; the value is parsed as YAML (so lists work: a=[1,2]).
  void apply_override(const std::string& assignment);
  // Throws InputError if any section is inconsistent.
  void validate() const;

  // The resolved config as YAML, each key preceded by its help as a comment.
  std::string to_yaml();
  // Lines "section.key (type, default: value)  help" for --help.
  std::string help_table();

  // Where features are computed: features.device, or train.device when it is auto, so that a
  // model trained on the GPU takes its features from the CUDA kernels.
  std::string feature_device() const {
    return features.device == "auto" ? train.device : features.device;
  }
};

// Loads `config_path` (if not empty) and applies `overrides` in order, then validates.
Config resolve_config(const std::string& config_path, const std::vector<std::string>& overrides);

// `text` as a YAML single-quoted scalar, for a key=value override that must hold any string
// (a path with '#', ': ' or quotes): 'it''s'.
std::string yaml_quoted(std::string_view text);

}  // namespace calmspace
