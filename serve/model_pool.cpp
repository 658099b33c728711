#include "serve/model_pool.h"

#include <algorithm>

namespace calmspace::serve {

namespace {

bool same_timeline(const TimelineOptions& a, const TimelineOptions& b) {
  return a.window_s == b.window_s && a.hop_s == b.hop_s && a.min_duration_s == b.min_duration_s;
}

}  // namespace

ModelPool::ModelPool(std::span<const Checkpoint> members, int size, int max_batch,
                     double batch_max_s)
    : max_batch_(std::max(max_batch, 1)),
      max_long_(std::max(1, std::max(size, 1) - 1)),
      config_(members.front().config()),
      labels_(members.front().labels) {
  for (int i = 0; i < std::max(size, 1); ++i) {
    predictors_.push_back(std::make_unique<Predictor>(members, /*threads=*/1));
    free_.push_back(predictors_.back().get());
  }
  batch_max_samples_ = static_cast<std::size_t>(batch_max_s * config_.audio.sample_rate);
}

std::int64_t ModelPool::memory_needed(std::int64_t num_samples,
                                      const TimelineOptions& timeline) const {
  return predictors_.front()->memory_needed(num_samples, timeline);
}

int ModelPool::long_running() const {
  std::lock_guard lock(mutex_);
  return long_running_;
}

Prediction ModelPool::predict_long(std::span<const float> samples,
                                   const TimelineOptions& timeline) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !free_.empty() && long_running_ < max_long_; });
  Predictor* predictor = free_.back();
  free_.pop_back();
  ++long_running_;
  lock.unlock();
  std::exception_ptr error;
  Prediction result;
  try {
    result = predictor->predict(samples, timeline);
  } catch (...) {
    error = std::current_exception();
  }
  lock.lock();
  free_.push_back(predictor);
  --long_running_;
  changed_.notify_all();
  lock.unlock();
  if (error) std::rethrow_exception(error);
  return result;
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
  recordings.reserve(jobs.size());
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
  if (samples.size() > batch_max_samples_) return predict_long(samples, timeline);
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
