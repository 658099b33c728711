#include "serve/server_options.h"

#include <filesystem>

namespace calmspace::serve {

std::string default_model_path() {
  return CALMSPACE_DEFAULT_MODEL;
}
std::string default_finetune_recipe() {
  return CALMSPACE_FINETUNE_RECIPE;
}
PersonalOptions default_personal_options() {
  PersonalOptions o;
  o.recipe = default_finetune_recipe();
  return o;
}
std::string default_web_dir() {
  return CALMSPACE_WEB_DIR;
}
std::string default_chart_js() {
  return std::string(CALMSPACE_NODE_MODULES) + "/chart.js/dist/chart.umd.js";
}

std::string model_card_path(const std::string& model_path) {
  namespace fs = std::filesystem;
  const fs::path p(model_path);
  if (model_path.empty() || fs::is_directory(p)) return "";
  return fs::path(p).replace_extension(".md").string();
}

}  // namespace calmspace::serve
