// One line of a run's metrics log (metrics.jsonl and metrics.csv in the run directory).
#pragma once

#include <string>
#include <vector>

namespace calmspace {

struct EpochRecord {
  int epoch = 0;  // 1-based
  double lr = 0;
  double train_loss = 0;      // mean cross-entropy over the epoch's training batches
  double train_accuracy = 0;  // fraction of training clips classified right (during training)
  double valid_loss = 0;      // NaN when there is no validation split
  double valid_wa = 0;
  double valid_ua = 0;
  double valid_macro_f1 = 0;
  double seconds = 0;      // wall time of the epoch (training + validation)
  double clips_per_s = 0;  // training clips per second of training time
  double grad_norm = 0;    // mean global gradient norm before clipping

  std::string to_json() const;  // one JSON object, no newline
  static EpochRecord from_json(const std::string& text);
};

std::string history_to_json(const std::vector<EpochRecord>& history);  // JSON array
std::vector<EpochRecord> history_from_json(const std::string& text);
std::string history_to_jsonl(const std::vector<EpochRecord>& history);
std::string history_to_csv(const std::vector<EpochRecord>& history);

}  // namespace calmspace
