// Single-precision real FFTs with FFTW (fftw3f), and SIMD-aligned buffers for them.
// A RealFft plans once (under fftw_planner_mutex(): FFTW's planner is not thread-safe) and then
// runs concurrently from any number of threads on their own buffers (fftwf_execute_dft_r2c).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>

#include "core/base/fftw_planner.h"  // fftw_planner_mutex()
#include "core/base/unique_handle.h"

namespace calmspace {

// Float buffer allocated with fftwf_malloc (aligned for FFTW's SIMD codelets), zero-filled.
class AlignedFloats {
 public:
  AlignedFloats() = default;
  explicit AlignedFloats(std::size_t count);
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  std::size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  std::unique_ptr<float, Free> data_;
  std::size_t size_ = 0;
};

// Rounds a float count up so that consecutive rows stay 64-byte aligned.
constexpr int aligned_stride(int floats) {
  return (floats + 15) / 16 * 16;
}

// Forward real-to-complex DFT of size n: X[k] = sum_j x[j] exp(-2 pi i jk/n), k in [0, n/2],
// unnormalised (as torch.stft with normalized=False). Move-only.
class RealFft {
 public:
  explicit RealFft(int n);

  int size() const { return n_; }
  int num_bins() const { return n_ / 2 + 1; }
  // in: n floats; out: num_bins() complex values as interleaved (re, im) floats. Both pointers must
  // be 64-byte aligned (AlignedFloats rows of aligned_stride()); `in` is preserved.
  void forward(const float* in, float* out) const;

 private:
  // An fftwf_plan (as void*, so this header needs no fftw3.h), destroyed under the planner mutex.
  struct PlanTraits {
    using Handle = void*;
    static void* null() noexcept { return nullptr; }
    static void close(void* plan) noexcept;
  };
  int n_ = 0;
  UniqueHandle<PlanTraits> plan_;
};

}  // namespace calmspace
