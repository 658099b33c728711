// The polynomial exp / sigmoid / tanh of the fast backend against libm (double) on a dense grid.
// Bounds (observed worst in brackets): exp relative error < 4e-7 [7.8e-8], sigmoid relative
// < 5e-7 [1.3e-7], tanh absolute < 3e-7 [1.7e-7; 2 sigmoid(2x) - 1 loses relative accuracy near 0].
#include <gtest/gtest.h>

#include <cmath>

#include "core/model/fast_math.h"

namespace calmspace {
namespace {

TEST(FastMath, ExpSigmoidTanhMatchLibm) {
  double e_exp = 0, e_sig = 0, e_tanh = 0;
  for (double x = -87.0; x <= 88.0; x += 0.00137) {
    const float xf = static_cast<float>(x);
    const double xd = xf;
    e_exp = std::max(e_exp, std::abs(fast_exp(xf) - std::exp(xd)) / std::exp(xd));
    const double s = 1.0 / (1.0 + std::exp(-xd));
    e_sig = std::max(e_sig, std::abs(fast_sigmoid(xf) - s) / s);
    e_tanh = std::max(e_tanh, std::abs(fast_tanh(xf) - std::tanh(xd)));
  }
  EXPECT_LT(e_exp, 4e-7);
  EXPECT_LT(e_sig, 5e-7);
  EXPECT_LT(e_tanh, 3e-7);
  // Saturation outside the clamp range, no inf / NaN.
  EXPECT_EQ(fast_sigmoid(-1000.0f), fast_sigmoid(-100.0f));
  EXPECT_LT(fast_sigmoid(-1000.0f), 1e-37f);
  EXPECT_EQ(fast_sigmoid(1000.0f), 1.0f);
  EXPECT_EQ(fast_tanh(1000.0f), 1.0f);
  EXPECT_EQ(fast_tanh(-1000.0f), -1.0f);
}

}  // namespace
}  // namespace calmspace
