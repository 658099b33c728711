// Finite-difference gradient checks of the double REFERENCE model + loss: every cell, both
// directions, 1 and 2 layers (3 for one case), every pooling, w.r.t. every parameter and the
// input; the residual / layer-norm stacks between layers; the convolutional front-end. Central
// differences with eps = 1e-6; a gradient passes when
//   |analytic - numeric| <= 1e-6 * max(|analytic|, |numeric|) + 1e-9
// (truncation O(eps^2) ~ 1e-12, round-off ~ 1e-16 / eps = 1e-10).
#include <gtest/gtest.h>

#include <cmath>

#include "core/model/loss.h"
#include "core/model/reference_model.h"
#include "support/model_test_util.h"

namespace calmspace {
namespace {

using testing::ModelCase;

constexpr double kEps = 1e-6;
constexpr double kRel = 1e-6;
constexpr double kAbs = 1e-9;

struct Problem {
  RefBatch<double> x;
  std::vector<int> labels;
  std::vector<double> class_weights;
};

double loss_of(ReferenceModel<double>& m, const Problem& p, bool training, std::uint64_t seed,
               std::vector<double>* dlogits) {
  std::vector<double> logits, d;
  m.forward(p.x, logits, training, seed);
  d.resize(logits.size());
  const auto C = static_cast<std::int64_t>(logits.size()) / p.x.batch;
  const double loss = softmax_cross_entropy<double>(logits.data(), p.x.batch, C, p.labels.data(),
                                                    p.class_weights, d.data());
  if (dlogits) *dlogits = d;
  return loss;
}

void expect_close(double analytic, double numeric, const std::string& what) {
  EXPECT_LE(std::abs(analytic - numeric),
            kRel * std::max(std::abs(analytic), std::abs(numeric)) + kAbs)
      << what << ": analytic " << analytic << " numeric " << numeric;
}

void gradcheck(const ModelCase& c, double dropout) {
  SCOPED_TRACE(c.name() + (dropout > 0 ? " dropout" : ""));
  const int F = 3, C = 3;
  auto opts = testing::make_options(c, c.cell == CellKind::Lstm ? 2 : 3, 2);
  opts.dropout = dropout;
  ReferenceModel<double> m(opts, F, C);
  const auto w = testing::random_values(static_cast<std::int64_t>(m.weights().size()), 0.6, 11);
  m.weights().assign(w.begin(), w.end());
  m.input_mean() = {0.2, -0.1, 0.05};
  m.input_std() = {1.5, 0.8, 1.1};
  Problem p;
  // With a front-end: 7 frames so that a time stride of 2 or 3 leaves several steps.
  p.x =
      testing::to_ref<double>(testing::random_batch({c.conv_stride_time > 0 ? 7 : 5, 3, 1}, F, 7));
  p.labels = {2, 0, 1};
  p.class_weights = {0.5, 2.0, 1.25};
  const bool training = dropout > 0;
  const std::uint64_t seed = 99;

  std::vector<double> dlogits, dinput;
  loss_of(m, p, training, seed, &dlogits);
  std::fill(m.gradients().begin(), m.gradients().end(), 0.0);
  m.backward(dlogits, &dinput);
  const auto grads = m.gradients();

  const auto layout = parameter_layout(opts, F, C);
  for (const auto& view : layout)
    for (std::int64_t i = view.offset; i < view.offset + view.size; ++i) {
      const double w0 = m.weights()[i];
      m.weights()[i] = w0 + kEps;
      const double lp = loss_of(m, p, training, seed, nullptr);
      m.weights()[i] = w0 - kEps;
      const double lm = loss_of(m, p, training, seed, nullptr);
      m.weights()[i] = w0;
      expect_close(grads[i], (lp - lm) / (2 * kEps),
                   view.name + "[" + std::to_string(i - view.offset) + "]");
    }
  for (std::int64_t b = 0; b < p.x.batch; ++b)
    for (std::int64_t t = 0; t < p.x.max_frames; ++t)
      for (int f = 0; f < F; ++f) {
        const auto i = static_cast<std::size_t>((b * p.x.max_frames + t) * F + f);
        if (t >= p.x.lengths[b]) {
          EXPECT_EQ(dinput[i], 0.0);
          continue;
        }
        const double x0 = p.x.data[i];
        p.x.data[i] = x0 + kEps;
        const double lp = loss_of(m, p, training, seed, nullptr);
        p.x.data[i] = x0 - kEps;
        const double lm = loss_of(m, p, training, seed, nullptr);
        p.x.data[i] = x0;
        expect_close(
            dinput[i], (lp - lm) / (2 * kEps),
            "input[" + std::to_string(b) + "," + std::to_string(t) + "," + std::to_string(f) + "]");
      }
}

class ReferenceGradcheck : public ::testing::TestWithParam<ModelCase> {};

TEST_P(ReferenceGradcheck, MatchesCentralDifferences) {
  gradcheck(GetParam(), 0.0);
}

INSTANTIATE_TEST_SUITE_P(AllCases, ReferenceGradcheck,
                         ::testing::ValuesIn(testing::all_model_cases()),
                         [](const auto& p) { return p.param.name(); });

// The convolutional front-end (core/model/conv_frontend.h) before every cell.
INSTANTIATE_TEST_SUITE_P(Frontend, ReferenceGradcheck,
                         ::testing::ValuesIn(testing::conv_model_cases()),
                         [](const auto& p) { return p.param.name(); });

// Residual and layer norm between layers (core/model/residual_norm.h).
INSTANTIATE_TEST_SUITE_P(Stacks, ReferenceGradcheck,
                         ::testing::ValuesIn(testing::stack_model_cases()),
                         [](const auto& p) { return p.param.name(); });

TEST(ReferenceGradcheckExtra, ResidualNormStackWithDropout) {
  for (auto cell : {CellKind::Lstm, CellKind::Gru})
    gradcheck({cell, true, 3, PoolingKind::Mean, true, true}, 0.3);
}

TEST(ReferenceGradcheckExtra, ThreeLayersWithDropoutEveryCell) {
  for (auto cell : {CellKind::RnnTanh, CellKind::RnnRelu, CellKind::Lstm, CellKind::Gru})
    gradcheck({cell, true, 3, PoolingKind::Attention}, 0.3);
}

TEST(ReferenceGradcheckExtra, UnweightedLossMatchesCentralDifferences) {
  // The loss alone: logits as parameters, no class weights.
  const std::vector<double> z = {0.3, -1.2, 2.0, 0.7, 0.1, -0.4};
  const std::vector<int> labels = {2, 0};
  std::vector<double> d(6), dd(6), zz = z;
  softmax_cross_entropy<double>(z.data(), 2, 3, labels.data(), {}, d.data());
  for (std::size_t i = 0; i < z.size(); ++i) {
    zz[i] = z[i] + kEps;
    const double lp = softmax_cross_entropy<double>(zz.data(), 2, 3, labels.data(), {}, dd.data());
    zz[i] = z[i] - kEps;
    const double lm = softmax_cross_entropy<double>(zz.data(), 2, 3, labels.data(), {}, dd.data());
    zz[i] = z[i];
    expect_close(d[i], (lp - lm) / (2 * kEps), "dlogits[" + std::to_string(i) + "]");
  }
}

// Mixup's targets (two labels per row, lambda their weights) with class weights: the analytic
// dlogits against central differences, and lambda = 1 gives the plain loss and gradient.
TEST(ReferenceGradcheckExtra, MixedTargetsLossMatchesCentralDifferences) {
  const std::vector<double> z = {0.3, -1.2, 2.0, 0.7, 0.1, -0.4, -0.9, 0.2, 1.1};
  const std::vector<int> labels = {2, 0, 1}, partners = {0, 0, 2};
  const std::vector<float> lambda = {0.75f, 0.5f, 0.6f};
  const std::vector<double> w = {0.5, 2.0, 1.25};
  const MixedTargets mix{partners.data(), lambda.data()};
  std::vector<double> d(9), dd(9), zz = z;
  softmax_cross_entropy<double>(z.data(), 3, 3, labels.data(), w, d.data(), mix);
  for (std::size_t i = 0; i < z.size(); ++i) {
    zz[i] = z[i] + kEps;
    const double lp =
        softmax_cross_entropy<double>(zz.data(), 3, 3, labels.data(), w, dd.data(), mix);
    zz[i] = z[i] - kEps;
    const double lm =
        softmax_cross_entropy<double>(zz.data(), 3, 3, labels.data(), w, dd.data(), mix);
    zz[i] = z[i];
    expect_close(d[i], (lp - lm) / (2 * kEps), "dlogits[" + std::to_string(i) + "]");
  }
  const std::vector<float> ones = {1.0f, 1.0f, 1.0f};
  std::vector<double> plain(9), unmixed(9);
  const double a = softmax_cross_entropy<double>(z.data(), 3, 3, labels.data(), w, plain.data());
  const double b = softmax_cross_entropy<double>(z.data(), 3, 3, labels.data(), w, unmixed.data(),
                                                 {partners.data(), ones.data()});
  EXPECT_NEAR(a, b, 1e-15);
  for (std::size_t i = 0; i < z.size(); ++i) EXPECT_NEAR(plain[i], unmixed[i], 1e-15) << i;
}

}  // namespace
}  // namespace calmspace
