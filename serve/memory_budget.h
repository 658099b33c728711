// The server's memory budget (--max-memory-mb): every request reserves what its recording needs
// (the upload, the decoded samples, the analysis: Predictor::memory_needed) before it decodes,
// and gives it back when it is done. A request that needs more than the whole budget is refused
// at once; one that fits waits until enough is free, so uploads at once never add up to more than
// the budget however many arrive.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace calmspace::serve {

class MemoryBudget {
 public:
  explicit MemoryBudget(std::int64_t bytes) : total_(bytes) {}
  std::int64_t total() const { return total_; }
  std::int64_t in_use() const;

  // Bytes held until destruction; resize() when the need is known better (after decoding).
  class Reservation {
   public:
    Reservation(MemoryBudget& budget, std::int64_t bytes);
    ~Reservation();
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;
    // Shrinking is immediate; growing waits like a new reservation. False (and nothing changed)
    // when `bytes` is more than the whole budget.
    bool resize(std::int64_t bytes);
    std::int64_t bytes() const { return bytes_; }

   private:
    MemoryBudget& budget_;
    std::int64_t bytes_ = 0;
  };

 private:
  void acquire(std::int64_t bytes);
  void release(std::int64_t bytes);
  std::int64_t total_;
  std::int64_t used_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
};

}  // namespace calmspace::serve
