// Owner of a cuFFT plan (core/base/unique_handle.h): a batched 1-D single-precision real-to-complex
// transform of size n, `batch` transforms of contiguous rows (input row stride n floats, output row
// stride n/2 + 1 complex values), unnormalised as torch.stft / FFTW. The plan allocates no work
// area of its own: the owner provides one of work_size() bytes with set_work_area(), so several
// plans (or several executions) can share one buffer.
#pragma once

#include <cufft.h>

#include <cstddef>
#include "core/base/unique_handle.h"
#include "cuda/common/check.h"

namespace calmspace::cuda {

// cufftHandle is a plan number, never negative: -1 stands for none.
struct CufftTraits {
  using Handle = cufftHandle;
  static cufftHandle null() noexcept { return -1; }
  static void close(cufftHandle plan) noexcept { cufftDestroy(plan); }
};

class CufftPlan {
 public:
  CufftPlan() = default;
  CufftPlan(int n, int batch) {
    CALMSPACE_CUFFT_CHECK(cufftCreate(plan_.out()));
    CALMSPACE_CUFFT_CHECK(cufftSetAutoAllocation(plan_.get(), 0));
    int size[1] = {n};
    int in_embed[1] = {n};
    int out_embed[1] = {n / 2 + 1};
    CALMSPACE_CUFFT_CHECK(cufftMakePlanMany(plan_.get(), 1, size, in_embed, 1, n, out_embed, 1,
                                            n / 2 + 1, CUFFT_R2C, batch, &work_size_));
  }

  std::size_t work_size() const { return work_size_; }
  // in: batch rows of n floats; out: batch rows of n/2 + 1 complex values. Enqueued on `stream`.
  void forward(float* in, cufftComplex* out, void* work_area, cudaStream_t stream) const {
    CALMSPACE_CUFFT_CHECK(cufftSetStream(plan_.get(), stream));
    CALMSPACE_CUFFT_CHECK(cufftSetWorkArea(plan_.get(), work_area));
    CALMSPACE_CUFFT_CHECK(cufftExecR2C(plan_.get(), in, out));
  }

 private:
  UniqueHandle<CufftTraits> plan_;
  std::size_t work_size_ = 0;
};

}  // namespace calmspace::cuda
