#include "core/eval/metrics.h"

#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/base/text.h"

namespace calmspace {

Metrics metrics_from_confusion(std::vector<std::vector<std::int64_t>> confusion,
                               std::vector<std::string> labels, double loss) {
  const std::size_t c = labels.size();
  CALMSPACE_CHECK(confusion.size() == c, "confusion has ", confusion.size(), " rows for ", c,
                  " labels");
  for (const auto& row : confusion) CALMSPACE_CHECK(row.size() == c, "confusion row size");
  Metrics m;
  m.labels = std::move(labels);
  m.confusion = std::move(confusion);
  m.loss = loss;
  m.per_class.resize(c);
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < c; ++i)
    for (std::size_t j = 0; j < c; ++j) {
      const auto n = m.confusion[i][j];
      CALMSPACE_CHECK(n >= 0, "negative confusion count");
      m.clips += n;
      m.per_class[i].support += n;
      m.per_class[j].predicted += n;
      if (i == j) correct += n;
    }
  double recall_sum = 0, f1_sum = 0;
  int present = 0, f1_classes = 0;
  for (std::size_t i = 0; i < c; ++i) {
    auto& k = m.per_class[i];
    const double tp = double(m.confusion[i][i]);
    k.precision = k.predicted ? tp / double(k.predicted) : 0.0;
    k.recall = k.support ? tp / double(k.support) : 0.0;
    k.f1 = k.precision + k.recall > 0 ? 2 * k.precision * k.recall / (k.precision + k.recall) : 0.0;
    if (k.support) {
      recall_sum += k.recall;
      ++present;
    }
    if (k.support || k.predicted) {
      f1_sum += k.f1;
      ++f1_classes;
    }
  }
  m.wa = m.clips ? double(correct) / double(m.clips) : 0.0;
  m.ua = present ? recall_sum / present : 0.0;
  m.macro_f1 = f1_classes ? f1_sum / f1_classes : 0.0;
  return m;
}

Metrics compute_metrics(std::span<const int> truth, std::span<const int> predicted,
                        std::vector<std::string> labels, double loss) {
  CALMSPACE_CHECK(truth.size() == predicted.size(), truth.size(), " labels vs ", predicted.size(),
                  " predictions");
  const auto c = static_cast<int>(labels.size());
  std::vector<std::vector<std::int64_t>> confusion(labels.size(),
                                                   std::vector<std::int64_t>(labels.size()));
  for (std::size_t i = 0; i < truth.size(); ++i) {
    CALMSPACE_CHECK(truth[i] >= 0 && truth[i] < c && predicted[i] >= 0 && predicted[i] < c,
                    "label id out of range at ", i);
    ++confusion[truth[i]][predicted[i]];
  }
  return metrics_from_confusion(std::move(confusion), std::move(labels), loss);
}

std::string report_json(const Metrics& m, const std::string& extra_json_object) {
  nlohmann::ordered_json j;
  j["wa"] = m.wa;
  j["ua"] = m.ua;
  j["macro_f1"] = m.macro_f1;
  j["loss"] = std::isfinite(m.loss) ? nlohmann::ordered_json(m.loss) : nlohmann::ordered_json();
  j["clips"] = m.clips;
  j["labels"] = m.labels;
  j["confusion"] = m.confusion;
  auto& per = j["per_class"] = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < m.labels.size(); ++i) {
    const auto& k = m.per_class[i];
    per[m.labels[i]] = {
        {"precision", k.precision}, {"recall", k.recall}, {"f1", k.f1}, {"support", k.support}};
  }
  const auto extra = nlohmann::ordered_json::parse(extra_json_object);
  CALMSPACE_CHECK(extra.is_object(), "extra report fields must be a JSON object");
  for (const auto& [key, value] : extra.items()) j[key] = value;
  return j.dump(2) + "\n";
}

namespace {}  // namespace

std::string report_csv(const Metrics& m) {
  std::ostringstream out;
  out << std::setprecision(6);  // a table for people: report.json keeps every digit
  out << "row,precision,recall,f1,support,value\n";
  for (std::size_t i = 0; i < m.labels.size(); ++i) {
    const auto& k = m.per_class[i];
    out << csv_field(m.labels[i]) << ',' << k.precision << ',' << k.recall << ',' << k.f1 << ','
        << k.support << ",\n";
  }
  out << "wa,,,,," << m.wa << "\n";
  out << "ua,,,,," << m.ua << "\n";
  out << "macro_f1,,,,," << m.macro_f1 << "\n";
  out << "loss,,,,,";
  if (std::isfinite(m.loss)) out << m.loss;
  out << "\n";
  out << "clips,,,,," << m.clips << "\n";
  return out.str();
}

void write_report_json(const std::string& path, const Metrics& m,
                       const std::string& extra_json_object) {
  write_text_file_atomic(path, report_json(m, extra_json_object));
}

void write_report_csv(const std::string& path, const Metrics& m) {
  write_text_file_atomic(path, report_csv(m));
}

}  // namespace calmspace
