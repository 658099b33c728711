// Shared by the gpu tests: registration of the CUDA backends and the skip-with-reason guard.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <string>

#include "cuda/common/runtime.h"
#include "cuda/register.h"

namespace calmspace::testing {

// Registers the CUDA backends (idempotent) and returns "" when a GPU is usable, else the
// runtime's reason.
inline std::string gpu_unavailable_reason() {
  cuda::register_backends();
  const auto report = cuda::query_runtime();
  return report.has_gpu() ? std::string() : report.no_gpu_reason;
}

#define CALMSPACE_SKIP_WITHOUT_GPU()                                                      \
  do {                                                                                    \
    const std::string calmspace_reason_ = ::calmspace::testing::gpu_unavailable_reason(); \
    if (!calmspace_reason_.empty()) GTEST_SKIP() << calmspace_reason_;                    \
  } while (0)

// max_i |a_i - b_i| / (abs_tol + rel_tol * |b_i|): <= 1 means every element is within tolerance.
inline double worst_ratio(std::span<const float> a, std::span<const float> b, double abs_tol,
                          double rel_tol, std::size_t* where = nullptr) {
  double worst = a.size() == b.size() ? 0.0 : INFINITY;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const double r = std::abs(double(a[i]) - double(b[i])) / (abs_tol + rel_tol * std::abs(b[i]));
    if (!(r <= worst)) {  // NaN counts as the worst
      worst = std::isnan(r) ? INFINITY : r;
      if (where) *where = i;
    }
  }
  return worst;
}

}  // namespace calmspace::testing
