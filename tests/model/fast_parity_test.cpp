// The fast float backend (the one make_cpu_sequence_model returns) against the double reference
// on random weights and inputs: logits and every gradient, for every cell x direction x layers x
// pooling, with 2 threads (so the batch is split into chunks), ragged lengths and, for 2-layer
// cases, training-mode dropout (the masks must agree across backends).
// Tolerance: |fast - ref| <= 2e-5 * max(1, max|ref| over the tensor) per element (worst observed
// over all cases: 2.1e-6 absolute, float32 round-off over 12 steps; 10x margin).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <tuple>

#include "core/model/cpu_sequence_model.h"
#include "core/model/reference_model.h"
#include "support/model_test_util.h"

namespace calmspace {
namespace {

using testing::ModelCase;

constexpr double kTol = 2e-5;

void expect_tensor_close(std::span<const float> fast, std::span<const double> ref,
                         const std::string& what) {
  ASSERT_EQ(fast.size(), ref.size()) << what;
  double scale = 1;
  for (double r : ref) scale = std::max(scale, std::abs(r));
  double worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    ASSERT_TRUE(std::isfinite(fast[i])) << what << "[" << i << "]";
    const double e = std::abs(fast[i] - ref[i]);
    if (e > worst) worst = e, at = i;
  }
  EXPECT_LE(worst, kTol * scale) << what << "[" << at << "]: fast " << fast[at] << " ref "
                                 << ref[at];
}

// Logits and every gradient of the fast backend against the reference for F feature columns,
// in training mode (with opts.dropout) when `training`.
void expect_parity(const ModelOptions& opts, int F, bool training) {
  const int C = 3;
  CpuSequenceModel fast(opts, F, C, 5);
  fast.set_num_threads(2);
  const auto w = testing::random_values(static_cast<std::int64_t>(fast.weights().size()), 0.4, 3);
  std::copy(w.begin(), w.end(), fast.weights().begin());
  std::vector<float> mean(static_cast<std::size_t>(F)), stdv(mean.size());
  for (int f = 0; f < F; ++f) {  // {0.1, -0.2, 0.3, 0.0, ...}, {1.2, 0.7, 1.0, 2.0, ...}
    mean[f] = std::array{0.1f, -0.2f, 0.3f, 0.0f}[f % 4];
    stdv[f] = std::array{1.2f, 0.7f, 1.0f, 2.0f}[f % 4];
  }
  fast.set_input_norm(mean, stdv);
  ReferenceModel<double> ref(opts, F, C);
  ref.weights().assign(w.begin(), w.end());
  ref.input_mean().assign(mean.begin(), mean.end());
  ref.input_std().assign(stdv.begin(), stdv.end());

  const auto x = testing::random_batch({7, 12, 3, 12, 1}, F, 21);
  std::vector<float> logits;
  std::vector<double> rlogits;
  fast.forward(x, logits, training, 1234);
  ref.forward(testing::to_ref<double>(x), rlogits, training, 1234);
  expect_tensor_close(logits, rlogits, "logits");

  const auto dl = testing::random_values(static_cast<std::int64_t>(logits.size()), 1.0, 8);
  fast.zero_gradients();
  fast.backward(dl);
  std::vector<double> dld(dl.begin(), dl.end());
  ref.backward(dld);
  for (const auto& v : fast.layout())
    expect_tensor_close(fast.gradients().subspan(v.offset, v.size),
                        std::span<const double>(ref.gradients()).subspan(v.offset, v.size), v.name);
}

class FastParity : public ::testing::TestWithParam<ModelCase> {};

TEST_P(FastParity, LogitsAndGradientsMatchReference) {
  const ModelCase c = GetParam();
  auto opts = testing::make_options(c, 6, 5);
  const bool training = c.layers > 1;
  opts.dropout = training ? 0.3 : 0.0;
  expect_parity(opts, 4, training);
}

// The front-end's patch gathering and gradient scatter split off the bins a tap misses at the
// edges: kernels and strides other than the default 3 / 2 in frequency (wider than the stride, as
// wide as the input, 1 x 1, strides 1 and 3), over 7 feature columns, so every edge case is
// crossed.
TEST(FastParity, ConvKernelShapesMatchReference) {
  for (const auto& [kt, kf, sf] :
       {std::tuple{3, 5, 3}, std::tuple{2, 7, 1}, std::tuple{1, 1, 1}, std::tuple{4, 3, 1},
        std::tuple{2, 5, 2}, std::tuple{1, 7, 3}, std::tuple{1, 9, 3}}) {
    SCOPED_TRACE("kernel " + std::to_string(kt) + " x " + std::to_string(kf) + ", stride " +
                 std::to_string(sf));
    ModelCase c{CellKind::Gru, false, 1, PoolingKind::Mean};
    c.conv_stride_time = 2;
    auto opts = testing::make_options(c, 6, 5);
    opts.conv_kernel_time = kt;
    opts.conv_kernel_freq = kf;
    opts.conv_stride_freq = sf;
    expect_parity(opts, 7, false);
  }
}

INSTANTIATE_TEST_SUITE_P(AllCases, FastParity, ::testing::ValuesIn(testing::all_model_cases()),
                         [](const auto& p) { return p.param.name(); });
// The convolutional front-end (its norms moved off 1 / 0), with dropout in the 2-layer cases.
INSTANTIATE_TEST_SUITE_P(Frontend, FastParity, ::testing::ValuesIn(testing::conv_model_cases()),
                         [](const auto& p) { return p.param.name(); });
// Residual and layer norm between layers, with dropout (every stack case has 2 or 3 layers).
INSTANTIATE_TEST_SUITE_P(Stacks, FastParity, ::testing::ValuesIn(testing::stack_model_cases()),
                         [](const auto& p) { return p.param.name(); });

// One training forward and backward of the same model and batch at 1, 2 and 3 threads: logits and
// gradients per thread count; returns the parameter layout.
std::vector<ParamView> run_at_one_to_three_threads(const ModelOptions& opts,
                                                   std::vector<std::vector<float>>& logits,
                                                   std::vector<std::vector<float>>& grads) {
  const auto x = testing::random_batch({9, 4, 9, 2, 6, 1, 8}, 5, 2);
  logits.assign(3, {});
  grads.assign(3, {});
  std::vector<ParamView> layout;
  for (int th = 1; th <= 3; ++th) {
    CpuSequenceModel m(opts, 5, 3, 77);
    m.set_num_threads(th);
    m.forward(x, logits[th - 1], true, 5);
    const auto dl = testing::random_values(static_cast<std::int64_t>(logits[th - 1].size()), 1, 4);
    m.backward(dl);
    grads[th - 1].assign(m.gradients().begin(), m.gradients().end());
    layout = m.layout();
  }
  return layout;
}

// Threads do not change results (chunks split differently but every clip's math is the same).
TEST(FastModel, ThreadCountDoesNotChangeResults) {
  ModelCase c{CellKind::Lstm, true, 2, PoolingKind::Attention};
  auto opts = testing::make_options(c, 8, 4);
  std::vector<std::vector<float>> logits, grads;
  run_at_one_to_three_threads(opts, logits, grads);
  for (int th = 1; th < 3; ++th) {
    for (std::size_t i = 0; i < logits[0].size(); ++i)
      EXPECT_NEAR(logits[th][i], logits[0][i], 1e-6);
    for (std::size_t i = 0; i < grads[0].size(); ++i) EXPECT_NEAR(grads[th][i], grads[0][i], 1e-5);
  }
}

// LayerNorm scale and shift gradients are summed per column in one fixed order: bit for bit the
// same at 1, 2 and 3 threads (the rest to float rounding, as above).
TEST(FastModel, ThreadCountDoesNotChangeLayerNormGradientsAtAll) {
  ModelCase c{CellKind::Gru, true, 3, PoolingKind::Attention, true, true};
  auto opts = testing::make_options(c, 8, 4);
  opts.dropout = 0.2;
  std::vector<std::vector<float>> logits, grads;
  const auto layout = run_at_one_to_three_threads(opts, logits, grads);
  int norms = 0;
  for (int th = 1; th < 3; ++th) {
    for (std::size_t i = 0; i < logits[0].size(); ++i)
      EXPECT_NEAR(logits[th][i], logits[0][i], 1e-6);
    for (const ParamView& p : layout) {
      if (p.name.rfind("norm.", 0) != 0) continue;
      ++norms;
      for (std::int64_t i = p.offset; i < p.offset + p.size; ++i)
        ASSERT_EQ(grads[th][static_cast<std::size_t>(i)], grads[0][static_cast<std::size_t>(i)])
            << p.name << " at " << th + 1 << " threads";
    }
  }
  EXPECT_EQ(norms, 2 * 6);  // 3 layers x (weight, bias), compared at 2 and 3 threads
}

// The conv front-end's weight gradients are summed in fixed groups of clips, in order: bit for bit
// the same at 1, 2 and 3 threads.
TEST(FastModel, ThreadCountDoesNotChangeConvFrontendGradientsAtAll) {
  ModelCase c{CellKind::Lstm, false, 2, PoolingKind::Attention};
  c.conv_stride_time = 2;
  auto opts = testing::make_options(c, 8, 4);
  std::vector<std::vector<float>> logits, grads;
  const auto layout = run_at_one_to_three_threads(opts, logits, grads);
  int tensors = 0;
  for (int th = 1; th < 3; ++th)
    for (const ParamView& p : layout) {
      if (p.name.rfind("frontend.", 0) != 0) continue;
      ++tensors;
      for (std::int64_t i = p.offset; i < p.offset + p.size; ++i)
        ASSERT_EQ(grads[th][static_cast<std::size_t>(i)], grads[0][static_cast<std::size_t>(i)])
            << p.name << " at " << th + 1 << " threads";
    }
  EXPECT_EQ(tensors, 2 * 8);  // 2 blocks x 4 tensors, compared at 2 and 3 threads
}

}  // namespace
}  // namespace calmspace
