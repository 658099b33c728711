#include "serve/model_info.h"

#include <filesystem>

#include "serve/static_files.h"

namespace calmspace::serve {
namespace {

// A YAML scalar as the JSON number, boolean or string it stands for; sequences as arrays.
nlohmann::json yaml_to_json(const YAML::Node& node) {
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) out.push_back(yaml_to_json(item));
    return out;
  }
  if (!node.IsScalar()) return nullptr;
  const std::string& text = node.Scalar();
  if (text == "true" || text == "false") return text == "true";
  try {
    std::size_t used = 0;
    const long long i = std::stoll(text, &used);
    if (used == text.size()) return i;
    const double d = std::stod(text, &used);
    if (used == text.size()) return d;
  } catch (const std::exception&) {
  }
  return text;
}

nlohmann::json section_json(Config& config, const std::string& name) {
  nlohmann::json out = nlohmann::json::object();
  for (auto& [section, registry] : config.sections())
    if (section == name)
      for (const auto& entry : registry.entries()) out[entry.name] = yaml_to_json(entry.get());
  return out;
}

}  // namespace

nlohmann::json model_info_json(const Config& config, const std::vector<std::string>& labels,
                               const std::string& model_path, const std::string& card_path) {
  Config copy = config;
  nlohmann::json card = nullptr;
  if (!card_path.empty())
    if (auto text = read_whole_file(card_path)) card = *text;
  const std::filesystem::path source(model_path);
  return {{"labels", labels},
          {"model", section_json(copy, "model")},
          {"features", section_json(copy, "features")},
          {"audio", section_json(copy, "audio")},
          {"source", source.has_filename() ? source.filename().string()
                                           : source.parent_path().filename().string()},
          {"card", card}};
}

}  // namespace calmspace::serve
