#include "core/features/fft.h"

#include <fftw3.h>

#include <cstring>
#include <utility>

#include "core/base/error.h"

namespace calmspace {

AlignedFloats::AlignedFloats(std::size_t count) : size_(count) {
  data_.reset(static_cast<float*>(fftwf_malloc(sizeof(float) * (count > 0 ? count : 1))));
  if (!data_) throw std::bad_alloc();
  std::memset(data_.get(), 0, sizeof(float) * count);
}

void AlignedFloats::Free::operator()(float* p) const {
  fftwf_free(p);
}

RealFft::RealFft(int n) : n_(n) {
  CALMSPACE_CHECK(n >= 2, "FFT size ", n);
  AlignedFloats in(static_cast<std::size_t>(aligned_stride(n)));
  AlignedFloats out(static_cast<std::size_t>(aligned_stride(2 * (n / 2 + 1))));
  std::lock_guard lock(fftw_planner_mutex());
  // FFTW_ESTIMATE: no timing runs, so the plan (and every output bit) is the same in every
  // process, and planning never touches the buffers.
  plan_.reset(fftwf_plan_dft_r2c_1d(n, in.data(), reinterpret_cast<fftwf_complex*>(out.data()),
                                    FFTW_ESTIMATE));
  CALMSPACE_CHECK(plan_, "fftwf_plan_dft_r2c_1d failed for n=", n);
}

void RealFft::PlanTraits::close(void* plan) noexcept {
  std::lock_guard lock(fftw_planner_mutex());
  fftwf_destroy_plan(static_cast<fftwf_plan>(plan));
}

void RealFft::forward(const float* in, float* out) const {
  // The r2c planner was given FFTW_PRESERVE_INPUT semantics (the default for r2c), so casting
  // away const is safe.
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(plan_.get()), const_cast<float*>(in),
                        reinterpret_cast<fftwf_complex*>(out));
}

}  // namespace calmspace
