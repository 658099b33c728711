#include "core/predict/prediction_json.h"

#include <cstdio>

namespace calmspace {
namespace {

nlohmann::json probability_map(const std::vector<float>& p,
                               const std::vector<std::string>& labels) {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t c = 0; c < labels.size(); ++c) out[labels[c]] = p[c];
  return out;
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

std::string csv_row(const std::string& file, const char* scope, double start, double end,
                    int predicted, const std::vector<float>& p,
                    const std::vector<std::string>& labels) {
  char number[32];
  std::string row = csv_quote(file) + "," + scope;
  for (double t : {start, end}) {
    std::snprintf(number, sizeof number, ",%.3f", t);
    row += number;
  }
  row += "," + csv_quote(labels[predicted]);
  for (float v : p) {
    std::snprintf(number, sizeof number, ",%.6f", v);
    row += number;
  }
  return row + "\n";
}

}  // namespace

nlohmann::json prediction_json(const std::string& file, const Prediction& p,
                               const std::vector<std::string>& labels) {
  nlohmann::json timeline = nlohmann::json::array();
  for (const auto& s : p.timeline)
    timeline.push_back({{"start_s", s.start_s},
                        {"end_s", s.end_s},
                        {"predicted", labels[s.predicted]},
                        {"probabilities", probability_map(s.probabilities, labels)}});
  nlohmann::json segments = nlohmann::json::array();
  for (const auto& s : p.segments)
    segments.push_back({{"start_s", s.start_s},
                        {"end_s", s.end_s},
                        {"emotion", labels[s.predicted]},
                        {"confidence", s.probabilities[s.predicted]},
                        {"windows", s.windows}});
  return {{"file", file},
          {"duration_s", p.duration_s},
          {"predicted", labels[p.predicted]},
          {"probabilities", probability_map(p.probabilities, labels)},
          {"timeline", timeline},
          {"segments", segments}};
}

std::string predictions_csv_header(const std::vector<std::string>& labels) {
  std::string h = "file,scope,start_s,end_s,predicted";
  for (const auto& l : labels) h += "," + csv_quote(l);
  return h + "\n";
}

std::string prediction_csv_rows(const std::string& file, const Prediction& p,
                                const std::vector<std::string>& labels) {
  std::string rows = csv_row(file, "file", 0.0, p.duration_s, p.predicted, p.probabilities, labels);
  for (const auto& s : p.timeline)
    rows += csv_row(file, "window", s.start_s, s.end_s, s.predicted, s.probabilities, labels);
  for (const auto& s : p.segments)
    rows += csv_row(file, "segment", s.start_s, s.end_s, s.predicted, s.probabilities, labels);
  return rows;
}

}  // namespace calmspace
