// Shared helpers for the feature tests: golden comparison with a stated tolerance.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "core/base/npy.h"
#include "core/base/tensor.h"

namespace calmspace::testing {

// Every element must satisfy |actual - expected| <= atol + rtol * |expected|. On failure the
// message names the worst element, its values and how many elements failed.
inline ::testing::AssertionResult matches_golden(const FeatureMatrix& actual,
                                                 const NpyArray& expected, double atol,
                                                 double rtol) {
  if (expected.shape.size() != 2 || expected.shape[0] != actual.frames ||
      expected.shape[1] != actual.dim)
    return ::testing::AssertionFailure()
           << "shape (" << actual.frames << ", " << actual.dim << ") vs golden ("
           << (expected.shape.empty() ? -1 : expected.shape[0]) << ", "
           << (expected.shape.size() < 2 ? -1 : expected.shape[1]) << ")";
  std::int64_t failures = 0, worst = -1;
  double worst_excess = 0.0, max_abs = 0.0, max_ratio = 0.0;
  for (std::size_t i = 0; i < expected.data.size(); ++i) {
    const double a = actual.data[i], b = expected.data[i];
    const double err = std::abs(a - b);
    max_abs = std::max(max_abs, err);
    max_ratio = std::max(max_ratio, err / (atol + rtol * std::abs(b)));
    const double excess = err - (atol + rtol * std::abs(b));
    if (!(excess <= 0)) {
      ++failures;
      if (worst < 0 || !(excess <= worst_excess)) {
        worst = static_cast<std::int64_t>(i);
        worst_excess = excess;
      }
    }
  }
  if (failures == 0)
    return ::testing::AssertionSuccess()
           << "max |a-b| = " << max_abs << ", max |a-b| / tolerance = " << max_ratio;
  const std::int64_t t = worst / actual.dim, f = worst % actual.dim;
  return ::testing::AssertionFailure()
         << failures << " of " << expected.data.size() << " values outside |a-b| <= " << atol
         << " + " << rtol << "|b|; worst at (t=" << t << ", f=" << f << "): got "
         << actual.data[static_cast<std::size_t>(worst)] << ", golden "
         << expected.data[static_cast<std::size_t>(worst)] << "; max |a-b| = " << max_abs;
}

}  // namespace calmspace::testing
