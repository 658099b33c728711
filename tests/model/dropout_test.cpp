// Dropout between layers: off in evaluation mode, reproducible from the seed, different for a
// different seed, and keeping about 1 - p of the units scaled by 1 / (1 - p).
#include <gtest/gtest.h>

#include <cmath>

#include "core/model/cpu_sequence_model.h"
#include "core/model/dropout.h"
#include "support/model_test_util.h"

namespace calmspace {
namespace {

ModelOptions two_layer(double p) {
  ModelOptions o;
  o.cell = CellKind::Gru;
  o.hidden_size = 8;
  o.num_layers = 2;
  o.bidirectional = true;
  o.dropout = p;
  return o;
}

TEST(Dropout, EvaluationModeIsDeterministicAndEqualsNoDropout) {
  const auto x = testing::random_batch({10, 4, 7}, 5, 3);
  CpuSequenceModel with(two_layer(0.5), 5, 3, 1), without(two_layer(0.0), 5, 3, 1);
  std::vector<float> a, b, c;
  with.forward(x, a, false, 1);
  with.forward(x, b, false, 2);
  without.forward(x, c, true, 1);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i], b[i]);
    EXPECT_EQ(a[i], c[i]);
  }
}

TEST(Dropout, SameSeedSameMasksOtherSeedOtherMasks) {
  const auto x = testing::random_batch({10, 4, 7}, 5, 3);
  CpuSequenceModel m(two_layer(0.5), 5, 3, 1);
  std::vector<float> a, b, c, eval;
  m.forward(x, a, true, 42);
  m.forward(x, b, true, 42);
  m.forward(x, c, true, 43);
  m.forward(x, eval, false, 42);
  double diff_seed = 0, diff_eval = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i], b[i]);
    diff_seed += std::abs(a[i] - c[i]);
    diff_eval += std::abs(a[i] - eval[i]);
  }
  EXPECT_GT(diff_seed, 1e-3);
  EXPECT_GT(diff_eval, 1e-3);
}

TEST(Dropout, KeepsAboutOneMinusPScaled) {
  const double p = 0.3;
  int kept = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double s = dropout_scale(dropout_row_key(7, 0, i / 100, i % 100), i % 13, p);
    if (s != 0) {
      ++kept;
      EXPECT_DOUBLE_EQ(s, 1.0 / (1.0 - p));
    }
  }
  EXPECT_NEAR(static_cast<double>(kept) / n, 1 - p, 0.01);  // 0.01 ~ 7 standard deviations
}

}  // namespace
}  // namespace calmspace
