#include "serve/memory_budget.h"

#include "core/base/error.h"

namespace calmspace::serve {

std::int64_t MemoryBudget::in_use() const {
  std::lock_guard lock(mutex_);
  return used_;
}

void MemoryBudget::acquire(std::int64_t bytes) {
  std::unique_lock lock(mutex_);
  freed_.wait(lock, [&] { return used_ + bytes <= total_; });
  used_ += bytes;
}

void MemoryBudget::release(std::int64_t bytes) {
  {
    std::lock_guard lock(mutex_);
    used_ -= bytes;
  }
  freed_.notify_all();
}

MemoryBudget::Reservation::Reservation(MemoryBudget& budget, std::int64_t bytes) : budget_(budget) {
  CALMSPACE_CHECK(bytes >= 0 && bytes <= budget.total(), "reservation of ", bytes, " bytes in ",
                  budget.total());
  budget_.acquire(bytes);
  bytes_ = bytes;
}

MemoryBudget::Reservation::~Reservation() {
  budget_.release(bytes_);
}

bool MemoryBudget::Reservation::resize(std::int64_t bytes) {
  if (bytes < 0 || bytes > budget_.total()) return false;
  if (bytes < bytes_) {
    budget_.release(bytes_ - bytes);
  } else if (bytes > bytes_) {
    // Give back what is held first, so two requests growing at once cannot wait on each other.
    budget_.release(bytes_);
    bytes_ = 0;
    budget_.acquire(bytes);
  }
  bytes_ = bytes;
  return true;
}

}  // namespace calmspace::serve
