// What GET /api/model says about the model being served: its labels (in output order), model
// and feature options (the config sections it was trained with), where it came from (file name
// only) and its model card (the Markdown text beside the model file, or null).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/config/config.h"

namespace calmspace::serve {

// {"labels": [...], "model": {option: value}, "features": {...}, "audio": {...},
//  "source": "calmspace-gru.safetensors", "card": "# ...markdown..." | null}
nlohmann::json model_info_json(const Config& config, const std::vector<std::string>& labels,
                               const std::string& model_path, const std::string& card_path);

}  // namespace calmspace::serve
