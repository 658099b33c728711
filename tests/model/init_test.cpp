// init_parameters(): PyTorch's uniform draw by default; model.recurrent_init=orthogonal gives each
// gate block of weight_hh orthonormal rows; model.forget_bias shifts only the LSTM forget rows.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/base/error.h"
#include "core/model/init.h"
#include "core/model/sequence_model.h"

namespace calmspace {
namespace {

constexpr int kInput = 6;
constexpr int kClasses = 4;

ModelOptions lstm_options() {
  ModelOptions o;
  o.cell = CellKind::Lstm;
  o.hidden_size = 9;
  o.num_layers = 2;
  o.bidirectional = true;
  o.pooling = PoolingKind::Attention;
  o.attention_dim = 5;
  return o;
}

std::vector<float> init(const ModelOptions& o, std::uint64_t seed) {
  const auto layout = parameter_layout(o, kInput, kClasses);
  std::vector<float> w(static_cast<std::size_t>(layout.back().offset + layout.back().size));
  init_parameters(o, kInput, kClasses, seed, w);
  return w;
}

bool is_weight_hh(const ParamView& p) {
  return p.name.rfind("rnn.weight_hh", 0) == 0;
}

TEST(InitParameters, DefaultIsUniformWithinPyTorchBounds) {
  const auto o = lstm_options();
  const auto w = init(o, 3);
  const double bound = 1.0 / std::sqrt(o.hidden_size);
  for (const auto& p : parameter_layout(o, kInput, kClasses)) {
    if (p.name.rfind("rnn.", 0) != 0) continue;
    for (std::int64_t i = p.offset; i < p.offset + p.size; ++i)
      ASSERT_LE(std::fabs(w[static_cast<std::size_t>(i)]), bound) << p.name;
  }
  EXPECT_EQ(w, init(o, 3));
  EXPECT_NE(w, init(o, 4));
}

TEST(InitParameters, OrthogonalGateBlocksHaveOrthonormalRowsAndLeaveTheRestAlone) {
  auto o = lstm_options();
  const auto uniform = init(o, 7);
  o.recurrent_init = RecurrentInit::Orthogonal;
  const auto w = init(o, 7);
  EXPECT_EQ(w, init(o, 7));
  const std::int64_t H = o.hidden_size;
  int blocks = 0;
  for (const auto& p : parameter_layout(o, kInput, kClasses)) {
    if (!is_weight_hh(p)) {
      for (std::int64_t i = p.offset; i < p.offset + p.size; ++i)
        ASSERT_EQ(w[static_cast<std::size_t>(i)], uniform[static_cast<std::size_t>(i)]) << p.name;
      continue;
    }
    for (std::int64_t g = 0; g < p.shape[0] / H; ++g, ++blocks) {
      const float* q = &w[static_cast<std::size_t>(p.offset + g * H * H)];
      for (std::int64_t r = 0; r < H; ++r)
        for (std::int64_t s = 0; s < H; ++s) {
          double dot = 0;
          for (std::int64_t c = 0; c < H; ++c) dot += double(q[r * H + c]) * q[s * H + c];
          ASSERT_NEAR(dot, r == s ? 1.0 : 0.0, 1e-6) << p.name << " gate " << g;
        }
    }
  }
  EXPECT_EQ(blocks, 2 * 2 * 4);  // layers x directions x LSTM gates
}

TEST(InitParameters, ForgetBiasShiftsOnlyTheForgetRowsOfBiasIh) {
  auto o = lstm_options();
  const auto base = init(o, 11);
  o.forget_bias = 1.0;
  const auto w = init(o, 11);
  const std::int64_t H = o.hidden_size;
  int shifted = 0;
  for (const auto& p : parameter_layout(o, kInput, kClasses))
    for (std::int64_t i = p.offset; i < p.offset + p.size; ++i) {
      const bool forget_row =
          p.name.rfind("rnn.bias_ih", 0) == 0 && i - p.offset >= H && i - p.offset < 2 * H;
      const auto k = static_cast<std::size_t>(i);
      if (forget_row) {
        ASSERT_FLOAT_EQ(w[k], base[k] + 1.0f) << p.name << " row " << i - p.offset;
        ++shifted;
      } else {
        ASSERT_EQ(w[k], base[k]) << p.name << " row " << i - p.offset;
      }
    }
  EXPECT_EQ(shifted, 2 * 2 * o.hidden_size);  // layers x directions x H
}

TEST(InitParameters, LayerNormStartsAsTheIdentityScaleAndZeroShift) {
  auto o = lstm_options();
  o.layer_norm = true;
  const auto w = init(o, 3);
  int norms = 0;
  for (const auto& p : parameter_layout(o, kInput, kClasses)) {
    if (p.name.rfind("norm.", 0) != 0) continue;
    ++norms;
    const float want = p.name.ends_with(".weight") ? 1.0f : 0.0f;  // as torch.nn.LayerNorm
    for (std::int64_t i = p.offset; i < p.offset + p.size; ++i)
      ASSERT_EQ(w[static_cast<std::size_t>(i)], want) << p.name;
  }
  EXPECT_EQ(norms, 2 * o.num_layers);
}

TEST(InitParameters, ForgetBiasIsRejectedForCellsWithoutAForgetGate) {
  ModelOptions o;
  o.cell = CellKind::Gru;
  o.forget_bias = 1.0;
  EXPECT_THROW(o.validate(), InputError);
  o.cell = CellKind::Lstm;
  EXPECT_NO_THROW(o.validate());
}

}  // namespace
}  // namespace calmspace
