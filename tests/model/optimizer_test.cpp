// Adam / AdamW steps against values computed by hand from the PyTorch update rules, gradient
// clipping as clip_grad_norm_, and the cross-entropy loss against hand-computed numbers.
#include <gtest/gtest.h>

#include <cmath>

#include "core/model/loss.h"
#include "core/train/optimizer.h"

namespace calmspace {
namespace {

// Two steps by hand: w = 1.0, g1 = 0.5, g2 = -0.25, lr 0.1, b1 0.9, b2 0.999, eps 1e-8, wd 0.1.
TEST(Optimizer, AdamTwoStepsByHand) {
  AdamOptimizer opt({OptimizerKind::Adam, 0.1, 0.1, 0.9, 0.999, 1e-8}, 1);
  std::vector<float> w = {1.0f};
  // step 1: g = 0.5 + 0.1*1 = 0.6; m = 0.06, v = 0.00036; mhat = 0.6, vhat = 0.36
  //         w = 1 - 0.1 * 0.6 / (0.6 + 1e-8) = 0.9
  opt.step(w, std::vector<float>{0.5f});
  EXPECT_NEAR(w[0], 0.9, 1e-6);
  // step 2: g = -0.25 + 0.09 = -0.16; m = 0.054 - 0.016 = 0.038; v = 0.00035964 + 0.0000256
  //         mhat = 0.038 / 0.19 = 0.2; vhat = 0.00038524 / 0.001999 = 0.192716...
  const double m = 0.038 / (1 - 0.81), v = (0.999 * 0.00036 + 0.001 * 0.0256) / (1 - 0.998001);
  opt.step(w, std::vector<float>{-0.25f});
  EXPECT_NEAR(w[0], 0.9 - 0.1 * m / (std::sqrt(v) + 1e-8), 1e-6);
  EXPECT_EQ(opt.state().step, 2);
  EXPECT_NEAR(opt.state().m[0], 0.038, 1e-7);
}

TEST(Optimizer, AdamWDecaysDecoupled) {
  AdamOptimizer opt({OptimizerKind::AdamW, 0.1, 0.1, 0.9, 0.999, 1e-8}, 2);
  std::vector<float> w = {1.0f, -2.0f};
  // w <- w (1 - lr wd) = 0.99 w; then the Adam step with g alone: mhat/sqrt(vhat) = sign(g).
  opt.step(w, std::vector<float>{0.5f, -3.0f});
  EXPECT_NEAR(w[0], 0.99 - 0.1, 1e-6);
  EXPECT_NEAR(w[1], -1.98 + 0.1, 1e-6);
  // With a zero gradient from the start only the decay acts.
  AdamOptimizer decay_only({OptimizerKind::AdamW, 0.1, 0.5, 0.9, 0.999, 1e-8}, 1);
  std::vector<float> w2 = {2.0f};
  decay_only.step(w2, std::vector<float>{0.0f});
  EXPECT_NEAR(w2[0], 2.0 * 0.95, 1e-6);
}

TEST(Optimizer, StateRoundTripsAndLrChanges) {
  AdamOptimizer a({OptimizerKind::AdamW, 0.01, 0.0, 0.9, 0.999, 1e-8}, 3);
  std::vector<float> wa = {0.1f, 0.2f, 0.3f}, g = {1.0f, -1.0f, 0.5f};
  a.step(wa, g);
  AdamOptimizer b(a.config(), 3);
  b.state() = a.state();
  std::vector<float> wb = wa;
  a.set_lr(0.005);
  b.set_lr(0.005);
  a.step(wa, g);
  b.step(wb, g);
  EXPECT_EQ(wa, wb);
  EXPECT_DOUBLE_EQ(a.lr(), 0.005);
}

TEST(Optimizer, ClipGradientNorm) {
  std::vector<float> g = {3.0f, 4.0f};  // norm 5
  EXPECT_NEAR(clip_gradient_norm(g, 10.0), 5.0, 1e-12);
  EXPECT_EQ(g[0], 3.0f);  // below the limit: unchanged
  EXPECT_NEAR(clip_gradient_norm(g, 1.0), 5.0, 1e-12);
  EXPECT_NEAR(g[0], 3.0 / (5.0 + 1e-6), 1e-7);
  EXPECT_NEAR(g[1], 4.0 / (5.0 + 1e-6), 1e-7);
  std::vector<float> h = {30.0f, 40.0f};
  EXPECT_NEAR(clip_gradient_norm(h, 0.0), 50.0, 1e-12);  // off
  EXPECT_EQ(h[0], 30.0f);
}

TEST(Loss, CrossEntropyByHand) {
  // logits row 0 = (0, ln 3): p = (1/4, 3/4), label 1 -> -ln(0.75); row 1 = (0, 0), label 0.
  const std::vector<float> z = {0.0f, std::log(3.0f), 0.0f, 0.0f};
  const std::vector<int> y = {1, 0};
  std::vector<float> d(4);
  const double unweighted = softmax_cross_entropy(z, 2, 2, y, {}, d);
  EXPECT_NEAR(unweighted, (-std::log(0.75) - std::log(0.5)) / 2, 1e-6);
  EXPECT_NEAR(d[0], 0.25 / 2, 1e-6);
  EXPECT_NEAR(d[1], -0.25 / 2, 1e-6);
  EXPECT_NEAR(d[2], -0.5 / 2, 1e-6);
  // Weighted mean: (w1 * nll0 + w0 * nll1) / (w1 + w0) with w = (2, 0.5).
  const std::vector<float> w = {2.0f, 0.5f};
  const double weighted = softmax_cross_entropy(z, 2, 2, y, w, d);
  EXPECT_NEAR(weighted, (0.5 * -std::log(0.75) + 2.0 * -std::log(0.5)) / 2.5, 1e-6);
  EXPECT_NEAR(d[0], 0.25 * 0.5 / 2.5, 1e-6);
  std::vector<float> p(4);
  softmax(z, 2, 2, p);
  EXPECT_NEAR(p[1], 0.75, 1e-6);
  EXPECT_NEAR(p[2], 0.5, 1e-6);
  EXPECT_THROW(softmax_cross_entropy(z, 2, 2, std::vector<int>{2, 0}, {}, d), Error);
}

// Mixup's targets: row 0 aims at 0.75 of class 1 and 0.25 of class 0, row 1 at class 0 (its
// partner has the same label). Unweighted: the mean over rows of the lambda-weighted NLLs.
TEST(Loss, MixedTargetsWeighBothLabelsOfARow) {
  const std::vector<float> z = {0.0f, std::log(3.0f), 0.0f, 0.0f};  // p = (0.25, 0.75), (0.5, 0.5)
  const std::vector<int> y = {1, 0}, partner = {0, 0};
  const std::vector<float> lambda = {0.75f, 0.5f};
  const MixedTargets mix{partner.data(), lambda.data()};
  std::vector<float> d(4);
  const double loss = softmax_cross_entropy(z, 2, 2, y, {}, d, mix);
  const double row0 = 0.75 * -std::log(0.75) + 0.25 * -std::log(0.25);
  EXPECT_NEAR(loss, (row0 - std::log(0.5)) / 2, 1e-6);
  // d z_0 = (p - target) / B with target (0.25, 0.75): (0.25 - 0.25, 0.75 - 0.75) / 2 = 0.
  EXPECT_NEAR(d[0], 0.0, 1e-7);
  EXPECT_NEAR(d[1], 0.0, 1e-7);
  EXPECT_NEAR(d[2], (0.5 - 1.0) / 2, 1e-7);
  // Class weights w = (2, 0.5): row 0 weighs 0.75 * 0.5 + 0.25 * 2 = 0.875, row 1 weighs 2.
  const std::vector<float> w = {2.0f, 0.5f};
  const double weighted = softmax_cross_entropy(z, 2, 2, y, w, d, mix);
  const double want =
      (0.75 * 0.5 * -std::log(0.75) + 0.25 * 2 * -std::log(0.25) + 2 * -std::log(0.5)) /
      (0.875 + 2);
  EXPECT_NEAR(weighted, want, 1e-6);
  const std::vector<float> bad = {1.5f, 0.5f};
  EXPECT_THROW(softmax_cross_entropy(z, 2, 2, y, {}, d, {partner.data(), bad.data()}), Error);
  const std::vector<int> outside = {0, 2};
  EXPECT_THROW(softmax_cross_entropy(z, 2, 2, y, {}, d, {outside.data(), lambda.data()}), Error);
}

}  // namespace
}  // namespace calmspace
