#include "serve/connection_pool.h"

#include <algorithm>

namespace calmspace::serve {

ConnectionPool::ConnectionPool(int max_threads) : max_threads_(std::max(max_threads, 1)) {}

ConnectionPool::~ConnectionPool() {
  shutdown();
}

void ConnectionPool::enqueue(std::function<void()> fn) {
  std::lock_guard lock(mutex_);
  jobs_.push_back(std::move(fn));
  // Every queued job needs a waiting thread of its own; a thread counts as waiting until it has
  // woken up and taken a job, so two quick connections never share one idle thread.
  if (jobs_.size() > waiting_ && static_cast<int>(threads_.size()) < max_threads_)
    threads_.emplace_back([this] { work(); });
  wake_.notify_one();
}

void ConnectionPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++waiting_;
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    --waiting_;
    if (jobs_.empty()) return;  // stopping, nothing left
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

void ConnectionPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (auto& t : threads)
    if (t.joinable()) t.join();
}

int ConnectionPool::threads() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(threads_.size());
}

}  // namespace calmspace::serve
