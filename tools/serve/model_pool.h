// Thread-safe model access: a fixed set of Predictors (each not thread-safe, one thread each),
// lent to requests one at a time. A request holds a predictor only while it predicts; decoding,
// storage and HTTP happen outside, so requests wait for each other only when every predictor is
// busy. Each predictor runs single-threaded: the pool's size is the parallelism.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/model/checkpoint.h"
#include "core/predict/predictor.h"

namespace calmspace::serve {

class ModelPool {
 public:
  // `size` predictors (>= 1) built from one checkpoint.
  ModelPool(const Checkpoint& checkpoint, int size);

  const std::vector<std::string>& labels() const { return labels_; }
  const Config& config() const { return config_; }
  int size() const { return static_cast<int>(predictors_.size()); }

  // Waits for a free predictor and runs it on `samples` (mono at config().audio.sample_rate).
  // InputError from the predictor (e.g. too short) passes through.
  Prediction predict(std::span<const float> samples, const TimelineOptions& timeline);

 private:
  Config config_;
  std::vector<std::string> labels_;
  std::vector<std::unique_ptr<Predictor>> predictors_;
  std::vector<Predictor*> free_;
  std::mutex mutex_;
  std::condition_variable available_;
};

}  // namespace calmspace::serve
