#include "tools/serve/model_pool.h"

#include <algorithm>

namespace calmspace::serve {

ModelPool::ModelPool(const Checkpoint& checkpoint, int size)
    : config_(checkpoint.config()), labels_(checkpoint.labels) {
  for (int i = 0; i < std::max(size, 1); ++i) {
    predictors_.push_back(std::make_unique<Predictor>(checkpoint, /*threads=*/1));
    free_.push_back(predictors_.back().get());
  }
}

Prediction ModelPool::predict(std::span<const float> samples, const TimelineOptions& timeline) {
  Predictor* predictor = nullptr;
  {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] { return !free_.empty(); });
    predictor = free_.back();
    free_.pop_back();
  }
  struct GiveBack {
    ModelPool* pool;
    Predictor* predictor;
    ~GiveBack() {
      {
        std::lock_guard lock(pool->mutex_);
        pool->free_.push_back(predictor);
      }
      pool->available_.notify_one();
    }
  } give_back{this, predictor};
  return predictor->predict(samples, timeline);
}

}  // namespace calmspace::serve
