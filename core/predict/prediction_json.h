// Predictions as JSON and CSV (calmspace predict; later the REST API).
//   JSON per file: {"file", "duration_s", "predicted", "probabilities": {label: p},
//                   "certainty": {"level": fairly_sure|leaning|not_sure, "text"},
//                   "scores": [{"label", "score"}] best first, the top_k likeliest (all when
//                   top_k is 0): the list the Hugging Face audio-classification pipeline gives,
//                   "reliability": one sentence on the model for a new voice (reliability.h),
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

#include "core/predict/live_stream.h"
#include "core/predict/predictor.h"

namespace calmspace {

// `reliability`: reliability_sentence() of the model (left out when empty).
nlohmann::json prediction_json(const std::string& file, const Prediction& p,
                               const std::vector<std::string>& labels,
                               const std::string& reliability = "", int top_k = 0);
// One update of a live stream (live_stream.h), as `calmspace listen` prints it and the live socket
// sends it: {"time_s", "level_dbfs", "final" (only on the last),
//   "window": {"start_s", "end_s", "predicted", "confidence", "certainty", "probabilities"},
//   "so_far": {"until_s", "predicted", "confidence", "certainty", "probabilities"}}
// (either null until it has a frame).
nlohmann::json live_update_json(const LiveUpdate& u, const std::vector<std::string>& labels);
// [{"label", "score"}] of the top_k likeliest classes, best first (ties: label order); 0 = all.
nlohmann::json scores_json(const std::vector<float>& probabilities,
                           const std::vector<std::string>& labels, int top_k = 0);
// The classes by probability, best first (ties: label order), at most top_k of them (0 = all).
std::vector<int> ranked_classes(const std::vector<float>& probabilities, int top_k = 0);
std::string predictions_csv_header(const std::vector<std::string>& labels);
std::string prediction_csv_rows(const std::string& file, const Prediction& p,
                                const std::vector<std::string>& labels);

}  // namespace calmspace
