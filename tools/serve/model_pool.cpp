#include "tools/serve/model_pool.h"

#include <algorithm>

namespace calmspace::serve {

namespace {

bool same_timeline(const TimelineOptions& a, const TimelineOptions& b) {
  return a.window_s == b.window_s && a.hop_s == b.hop_s && a.min_duration_s == b.min_duration_s;
}

}  // namespace

ModelPool::ModelPool(std::span<const Checkpoint> members, int size, int max_batch)
    : max_batch_(std::max(max_batch, 1)),
      config_(members.front().config()),
      labels_(members.front().labels) {
  for (int i = 0; i < std::max(size, 1); ++i) {
    predictors_.push_back(std::make_unique<Predictor>(members, /*threads=*/1));
    free_.push_back(predictors_.back().get());
  }
}

std::vector<ModelPool::Job*> ModelPool::take_batch() {
  std::vector<Job*> batch;
  const TimelineOptions timeline = queue_.front()->timeline;
  for (auto it = queue_.begin(); it != queue_.end() && int(batch.size()) < max_batch_;) {
    if (same_timeline((*it)->timeline, timeline)) {
      batch.push_back(*it);
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  return batch;
}

void ModelPool::run_batch(Predictor& predictor, const std::vector<Job*>& jobs) {
  std::vector<std::span<const float>> recordings;
  for (const Job* job : jobs) recordings.push_back(job->samples);
  try {
    std::vector<Prediction> results = predictor.predict_many(recordings, jobs.front()->timeline);
    for (std::size_t i = 0; i < jobs.size(); ++i) jobs[i]->result = std::move(results[i]);
    return;
  } catch (...) {
    if (jobs.size() == 1) {
      jobs.front()->error = std::current_exception();
      return;
    }
  }
  for (Job* job : jobs) run_batch(predictor, {job});
}

Prediction ModelPool::predict(std::span<const float> samples, const TimelineOptions& timeline) {
  Job job{samples, timeline, {}, nullptr, false};
  std::unique_lock lock(mutex_);
  queue_.push_back(&job);
  while (!job.done) {
    if (free_.empty() || queue_.empty()) {
      changed_.wait(lock);
      continue;
    }
    Predictor* predictor = free_.back();
    free_.pop_back();
    const std::vector<Job*> batch = take_batch();
    lock.unlock();
    run_batch(*predictor, batch);
    lock.lock();
    free_.push_back(predictor);
    for (Job* done : batch) done->done = true;
    changed_.notify_all();
  }
  lock.unlock();
  if (job.error) std::rethrow_exception(job.error);
  return std::move(job.result);
}

}  // namespace calmspace::serve
