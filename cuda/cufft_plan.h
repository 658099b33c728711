// Move-only owner of a cuFFT plan: a batched 1-D single-precision real-to-complex transform of
// size n, `batch` transforms of contiguous rows (input row stride n floats, output row stride
// n/2 + 1 complex values), unnormalised as torch.stft / FFTW. The plan allocates no work area of
// its own: the owner provides one of work_size() bytes with set_work_area(), so several plans (or
// several executions) can share one buffer.
#pragma once

#include <cufft.h>

#include <cstddef>
#include <utility>

#include "cuda/check.h"

namespace calmspace::cuda {

class CufftPlan {
 public:
  CufftPlan() = default;
  CufftPlan(int n, int batch) {
    CALMSPACE_CUFFT_CHECK(cufftCreate(&plan_));
    try {
      CALMSPACE_CUFFT_CHECK(cufftSetAutoAllocation(plan_, 0));
      int size[1] = {n};
      int in_embed[1] = {n};
      int out_embed[1] = {n / 2 + 1};
      CALMSPACE_CUFFT_CHECK(cufftMakePlanMany(plan_, 1, size, in_embed, 1, n, out_embed, 1,
                                              n / 2 + 1, CUFFT_R2C, batch, &work_size_));
    } catch (...) {
      cufftDestroy(plan_);
      throw;
    }
    valid_ = true;
  }
  ~CufftPlan() {
    if (valid_) cufftDestroy(plan_);
  }
  CufftPlan(CufftPlan&& other) noexcept
      : plan_(other.plan_),
        valid_(std::exchange(other.valid_, false)),
        work_size_(other.work_size_) {}
  CufftPlan& operator=(CufftPlan&& other) noexcept {
    if (this != &other) {
      if (valid_) cufftDestroy(plan_);
      plan_ = other.plan_;
      valid_ = std::exchange(other.valid_, false);
      work_size_ = other.work_size_;
    }
    return *this;
  }
  CufftPlan(const CufftPlan&) = delete;
  CufftPlan& operator=(const CufftPlan&) = delete;

  std::size_t work_size() const { return work_size_; }
  // in: batch rows of n floats; out: batch rows of n/2 + 1 complex values. Enqueued on `stream`.
  void forward(float* in, cufftComplex* out, void* work_area, cudaStream_t stream) const {
    CALMSPACE_CUFFT_CHECK(cufftSetStream(plan_, stream));
    CALMSPACE_CUFFT_CHECK(cufftSetWorkArea(plan_, work_area));
    CALMSPACE_CUFFT_CHECK(cufftExecR2C(plan_, in, out));
  }

 private:
  cufftHandle plan_ = 0;
  bool valid_ = false;
  std::size_t work_size_ = 0;
};

}  // namespace calmspace::cuda
