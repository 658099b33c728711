#include "core/predict/prediction_json.h"
#include "core/base/text.h"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <span>

namespace calmspace {
namespace {

nlohmann::json probability_map(const std::vector<float>& p,
                               const std::vector<std::string>& labels) {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t c = 0; c < labels.size(); ++c) out[labels[c]] = p[c];
  return out;
}

std::string csv_row(const std::string& file, const char* scope, double start, double end,
                    int predicted, const std::vector<float>& p,
                    const std::vector<std::string>& labels) {
  char number[32];
  std::string row = csv_field(file) + "," + scope;
  for (double t : {start, end}) {
    std::snprintf(number, sizeof number, ",%.3f", t);
    row += number;
  }
  row += "," + csv_field(labels[predicted]);
  for (float v : p) {
    std::snprintf(number, sizeof number, ",%.6f", v);
    row += number;
  }
  return row + "\n";
}

// How sure the model is, in words (the page and the CLI show them beside the numbers): the top
// probability p1 and its lead over the runner-up p2.
//   fairly_sure  p1 >= 0.6 and p1 - p2 >= 0.3
//   leaning      p1 >= 0.4
//   not_sure     otherwise: the two likeliest are named
nlohmann::json certainty(std::span<const float> p, const std::vector<std::string>& labels) {
  std::size_t first = 0, second = p.size() > 1 ? 1 : 0;
  for (std::size_t c = 0; c < p.size(); ++c)
    if (p[c] > p[first]) first = c;
  for (std::size_t c = 0; c < p.size(); ++c)
    if (c != first && (second == first || p[c] > p[second])) second = c;
  const double p1 = p[first], p2 = second == first ? 0.0 : p[second];
  if (p1 >= 0.6 && p1 - p2 >= 0.3)
    return {{"level", "fairly_sure"}, {"text", "Fairly sure: " + labels[first]}};
  if (p1 >= 0.4)
    return {{"level", "leaning"},
            {"text", "Leaning towards " + labels[first] + " (" + labels[second] + " is close)"}};
  return {{"level", "not_sure"},
          {"text", "Not sure: perhaps " + labels[first] + " or " + labels[second]}};
}

nlohmann::json quality_json(const RecordingQuality& q) {
  nlohmann::json warnings = nlohmann::json::array();
  for (const auto& w : q.warnings) warnings.push_back({{"code", w.code}, {"message", w.message}});
  return {{"speech_level_dbfs", q.speech_level_dbfs},
          {"noise_level_dbfs", q.noise_level_dbfs},
          {"peak_dbfs", q.peak_dbfs},
          {"clipped_share", q.clipped_share},
          {"warnings", warnings}};
}

}  // namespace

std::vector<int> ranked_classes(const std::vector<float>& probabilities, int top_k) {
  std::vector<int> order(probabilities.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return probabilities[a] > probabilities[b]; });
  if (top_k > 0 && static_cast<std::size_t>(top_k) < order.size())
    order.resize(static_cast<std::size_t>(top_k));
  return order;
}

nlohmann::json scores_json(const std::vector<float>& probabilities,
                           const std::vector<std::string>& labels, int top_k) {
  nlohmann::json out = nlohmann::json::array();
  for (int c : ranked_classes(probabilities, top_k))
    out.push_back({{"label", labels[c]}, {"score", probabilities[c]}});
  return out;
}

nlohmann::json prediction_json(const std::string& file, const Prediction& p,
                               const std::vector<std::string>& labels,
                               const std::string& reliability, int top_k) {
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
  nlohmann::json out = {{"file", file},
                        {"duration_s", p.duration_s},
                        {"predicted", labels[p.predicted]},
                        {"probabilities", probability_map(p.probabilities, labels)},
                        {"scores", scores_json(p.probabilities, labels, top_k)},
                        {"certainty", certainty(p.probabilities, labels)},
                        {"quality", quality_json(p.quality)},
                        {"timeline", timeline},
                        {"segments", segments}};
  if (!reliability.empty()) out["reliability"] = reliability;
  return out;
}

std::string predictions_csv_header(const std::vector<std::string>& labels) {
  std::string h = "file,scope,start_s,end_s,predicted";
  for (const auto& l : labels) h += "," + csv_field(l);
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

nlohmann::json live_update_json(const LiveUpdate& u, const std::vector<std::string>& labels) {
  const auto part = [&](const std::vector<float>& p, int predicted) {
    if (p.empty()) return nlohmann::json(nullptr);
    return nlohmann::json{{"predicted", labels[static_cast<std::size_t>(predicted)]},
                          {"confidence", p[static_cast<std::size_t>(predicted)]},
                          {"certainty", certainty(p, labels)},
                          {"probabilities", probability_map(p, labels)}};
  };
  nlohmann::json out = {{"time_s", u.time_s}, {"level_dbfs", u.level_dbfs}};
  if (u.final) out["final"] = true;
  out["window"] = part(u.window, u.window_predicted);
  if (!u.window.empty()) {
    out["window"]["start_s"] = u.window_start_s;
    out["window"]["end_s"] = u.time_s;
  }
  out["so_far"] = part(u.so_far, u.so_far_predicted);
  if (!u.so_far.empty()) out["so_far"]["until_s"] = u.so_far_s;
  return out;
}

}  // namespace calmspace
