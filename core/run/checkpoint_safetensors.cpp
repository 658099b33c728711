#include "core/run/checkpoint_safetensors.h"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/config/feature_options.h"

namespace calmspace {
namespace {

constexpr const char* kModelFormat = "calmspace-model";

}  // namespace

std::string model_options_yaml(const ModelOptions& options) {
  ModelOptions copy = options;
  OptionRegistry registry;
  copy.register_options(registry);
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const auto& e : registry.entries()) out << YAML::Key << e.name << YAML::Value << e.get();
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::map<std::string, std::string> model_export_metadata(const Checkpoint& checkpoint) {
  const Config config = checkpoint.config();
  std::map<std::string, std::string> metadata;
  metadata["format"] = kModelFormat;
  metadata["labels"] = nlohmann::json(checkpoint.labels).dump();
  metadata["features"] = feature_options_yaml(config.features);
  metadata["model"] = model_options_yaml(config.model);
  metadata["sample_rate"] = std::to_string(config.audio.sample_rate);
  metadata["input_norm"] = config.model.input_norm ? "true" : "false";
  // Silence trimming (core/audio/trim.h) happens before the features: a user computing them
  // outside CalmSpace must repeat it. Written only when on, so earlier exports keep their bytes.
  if (config.audio.trim_db > 0)
    metadata["trim"] = nlohmann::json{{"trim_db", config.audio.trim_db},
                                      {"trim_margin_ms", config.audio.trim_margin_ms},
                                      {"trim_max_s", config.audio.trim_max_s},
                                      {"rule", "core/audio/trim.h"}}
                           .dump();
  metadata["config"] = checkpoint.config_yaml;
  return metadata;
}

Safetensors checkpoint_to_safetensors(const Checkpoint& checkpoint) {
  Safetensors out;
  out.metadata = model_export_metadata(checkpoint);
  for (const auto& p : checkpoint.layout) {
    CALMSPACE_CHECK(p.offset + p.size <= static_cast<std::int64_t>(checkpoint.weights.size()),
                    "parameter ", p.name, " beyond the weights");
    out.tensors.push_back({p.name, p.shape,
                           std::vector<float>(checkpoint.weights.begin() + p.offset,
                                              checkpoint.weights.begin() + p.offset + p.size)});
  }
  const auto f = static_cast<std::int64_t>(checkpoint.norm_mean.size());
  out.tensors.push_back({"input_norm.mean", {f}, checkpoint.norm_mean});
  out.tensors.push_back({"input_norm.std", {f}, checkpoint.norm_std});
  return out;
}

Checkpoint checkpoint_shell_from_metadata(const std::map<std::string, std::string>& metadata,
                                          const std::string& path) {
  auto meta = [&](const std::string& key) -> const std::string& {
    const auto it = metadata.find(key);
    if (it == metadata.end())
      throw InputError(path, cat("not a CalmSpace model export (no '", key, "' metadata)"));
    return it->second;
  };
  if (meta("format") != kModelFormat)
    throw InputError(path, cat("metadata format is '", meta("format"), "', not ", kModelFormat));
  Checkpoint c;
  c.config_yaml = meta("config");
  try {
    c.labels = nlohmann::json::parse(meta("labels")).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    throw InputError(path, "metadata 'labels' is not a JSON list of strings");
  }
  if (c.labels.empty()) throw InputError(path, "metadata 'labels' is empty");
  const Config config = c.config(path);
  c.layout = parameter_layout(config.model, config.features.feature_dim(config.audio.sample_rate),
                              static_cast<int>(c.labels.size()));
  return c;
}

Checkpoint checkpoint_from_safetensors(const Safetensors& file, const std::string& path) {
  Checkpoint c = checkpoint_shell_from_metadata(file.metadata, path);
  const Config config = c.config(path);
  const int input_dim = config.features.feature_dim(config.audio.sample_rate);
  for (const auto& p : c.layout) {
    const auto* t = file.find(p.name);
    if (!t) throw InputError(path, cat("tensor ", p.name, " is missing"));
    if (t->shape != p.shape)
      throw InputError(path,
                       cat("tensor ", p.name, " has another shape than the model options give"));
    c.weights.insert(c.weights.end(), t->data.begin(), t->data.end());
  }
  for (const char* name : {"input_norm.mean", "input_norm.std"}) {
    const auto* t = file.find(name);
    if (!t || static_cast<int>(t->data.size()) != input_dim)
      throw InputError(path, cat("tensor ", name, " is missing or not (", input_dim, ",)"));
  }
  c.norm_mean = file.find("input_norm.mean")->data;
  c.norm_std = file.find("input_norm.std")->data;
  check_model_values(path, c);
  return c;
}

}  // namespace calmspace
