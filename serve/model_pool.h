// Thread-safe model access with micro-batching: a fixed set of Predictors (each not thread-safe,
// single-threaded: the pool's size is the parallelism). A request queues its recording; whichever
// request thread finds a predictor free takes every queued recording (up to max_batch, oldest
// first, its own or not) and predicts them in one batch, then hands each its result. Under load
// the model runs matrix products over many recordings instead of one matrix-vector product per
// frame each; alone, a request is predicted at once. Decoding, storage and HTTP happen outside.
// Recordings longer than batch_max_s go the long-form way instead (Predictor::predict: block by
// block, memory bounded), on a predictor of their own, and at most size() - 1 of them at once:
// however many long uploads arrive, one predictor stays for the short ones.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/predict/predictor.h"
#include "core/run/checkpoint.h"

namespace calmspace::serve {

class ModelPool {
 public:
  // `size` predictors (>= 1) built from one checkpoint; at most `max_batch` recordings per batch.
  // `members`: one model, or an ensemble's members (Predictor averages them).
  ModelPool(std::span<const Checkpoint> members, int size, int max_batch = 8,
            double batch_max_s = 8.0);

  const std::vector<std::string>& labels() const { return labels_; }
  const Config& config() const { return config_; }
  int size() const { return static_cast<int>(predictors_.size()); }

  // Predicts `samples` (mono at config().audio.sample_rate), batched with whatever else is queued.
  // InputError from the predictor (e.g. too short) passes through to this request only.
  Prediction predict(std::span<const float> samples, const TimelineOptions& timeline);
  // Bytes the analysis of a recording of num_samples samples needs (Predictor::memory_needed).
  std::int64_t memory_needed(std::int64_t num_samples, const TimelineOptions& timeline) const;
  // Long-form analyses running now (for tests).
  int long_running() const;

 private:
  struct Job {
    std::span<const float> samples;
    TimelineOptions timeline;
    Prediction result;
    std::exception_ptr error;
    bool done = false;
  };
  // Takes queued jobs sharing the first one's timeline options (called with mutex_ held).
  std::vector<Job*> take_batch();
  // Predicts `jobs` with `predictor` (without the lock); a failing batch is retried one by one so
  // an error reaches only the recording that caused it.
  static void run_batch(Predictor& predictor, const std::vector<Job*>& jobs);
  Prediction predict_long(std::span<const float> samples, const TimelineOptions& timeline);

  int max_batch_ = 8;
  std::size_t batch_max_samples_ = 0;
  int long_running_ = 0, max_long_ = 1;
  std::deque<Job*> queue_;
  Config config_;
  std::vector<std::string> labels_;
  std::vector<std::unique_ptr<Predictor>> predictors_;
  std::vector<Predictor*> free_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // a predictor came free or jobs were done
};

}  // namespace calmspace::serve
