// Classification metrics of an evaluation and the report files.
//   confusion[i][j] = clips of true class i predicted as j (rows = truth, cols = prediction).
//   WA (weighted accuracy) = trace / total, the overall accuracy.
//   UA (unweighted accuracy) = mean recall over the classes present in the true labels
//       (the SER convention; classes with no true clip are left out, not counted as 0).
//   Per class: precision = tp / predicted, recall = tp / support, F1 = 2PR / (P + R); each is 0
//       when undefined (no prediction, no support, P + R = 0), as sklearn's zero_division=0.
//   macro-F1 = mean F1 over the classes present in the truth OR the predictions (sklearn's
//       f1_score(average="macro") label set): a class predicted but never true counts with F1 0.
//   loss = mean cross-entropy the caller measured (NaN when not given).
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace calmspace {

struct ClassMetrics {
  double precision = 0, recall = 0, f1 = 0;
  std::int64_t support = 0;    // true clips of the class
  std::int64_t predicted = 0;  // clips predicted as the class
};

struct Metrics {
  std::vector<std::string> labels;
  std::vector<std::vector<std::int64_t>> confusion;  // (C, C)
  std::vector<ClassMetrics> per_class;               // (C,)
  double wa = 0, ua = 0, macro_f1 = 0;
  double loss = std::numeric_limits<double>::quiet_NaN();
  std::int64_t clips = 0;
};

// From a confusion matrix (C x C, C = labels.size()).
Metrics metrics_from_confusion(std::vector<std::vector<std::int64_t>> confusion,
                               std::vector<std::string> labels,
                               double loss = std::numeric_limits<double>::quiet_NaN());
// From label ids; `truth` and `predicted` have equal length, ids in [0, C).
Metrics compute_metrics(std::span<const int> truth, std::span<const int> predicted,
                        std::vector<std::string> labels,
                        double loss = std::numeric_limits<double>::quiet_NaN());

// report.json: {"wa", "ua", "macro_f1", "loss" (null when NaN), "clips", "labels",
//   "confusion" (rows = truth), "per_class": {label: {"precision", "recall", "f1", "support"}}}
// plus any `extra` JSON object members (e.g. {"split": "test", "checkpoint": "..."}).
std::string report_json(const Metrics& m, const std::string& extra_json_object = "{}");
// CSV: header "row,precision,recall,f1,support,value"; one row per class (label in `row`), then
// summary rows "wa", "ua", "macro_f1", "loss", "clips" with only `value` filled; numbers to 6
// significant digits (0.333333, not 0.33333333333333331).
std::string report_csv(const Metrics& m);
// Atomic writes (temporary file, then rename).
void write_report_json(const std::string& path, const Metrics& m,
                       const std::string& extra_json_object = "{}");
void write_report_csv(const std::string& path, const Metrics& m);

}  // namespace calmspace
