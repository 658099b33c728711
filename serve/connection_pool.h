// The threads that serve connections (cpp-httplib's TaskQueue): one thread per open connection,
// started on demand up to a maximum, so that idle keep-alive sockets and slow clients (slowloris:
// a header line every few seconds) hold their own threads and never make a new client wait for
// one. cpp-httplib's ThreadPool starts a fixed number up front and queues every connection beyond
// them behind whoever holds them (issue 20: 70 slow connections stalled /health for everyone).
// Past `max_threads` connections wait in a queue; threads stay for reuse once started.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace calmspace::serve {

class ConnectionPool : public httplib::TaskQueue {
 public:
  explicit ConnectionPool(int max_threads);
  ~ConnectionPool() override;
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;  // runs what is queued, then joins every thread

  int threads() const;  // started so far

 private:
  void work();

  const int max_threads_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  std::size_t waiting_ = 0;  // threads blocked for a job, not yet woken
  bool stopping_ = false;
};

}  // namespace calmspace::serve
