// Predictions as JSON and CSV (calmspace predict; later the REST API).
//   JSON per file: {"file", "duration_s", "predicted", "probabilities": {label: p},
//                   "certainty": {"level": fairly_sure|leaning|not_sure, "text"},
//                   "quality": {"speech_level_dbfs", "noise_level_dbfs", "peak_dbfs",
//                   "clipped_share",
//                               "warnings": [{"code": too_short|too_quiet|clipped, "message"}]},
//                   "timeline": [{"start_s", "end_s", "predicted", "probabilities"}],
//                   "segments": [{"start_s", "end_s", "emotion", "confidence", "windows"}]}
//   CSV: file,scope,start_s,end_s,predicted,<label>...   scope = "file", "window" or "segment"
//   (a segment's probabilities are the mean of its windows'; segments.h)
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/predict/predictor.h"

namespace calmspace {

nlohmann::json prediction_json(const std::string& file, const Prediction& p,
                               const std::vector<std::string>& labels);
std::string predictions_csv_header(const std::vector<std::string>& labels);
std::string prediction_csv_rows(const std::string& file, const Prediction& p,
                                const std::vector<std::string>& labels);

}  // namespace calmspace
