// parameter_layout(): PyTorch names, shapes and order; counts equal PyTorch's numel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "core/base/error.h"
#include "core/model/conv_frontend.h"
#include "core/model/cpu_sequence_model.h"
#include "core/model/sequence_model.h"

namespace calmspace {
namespace {

using ::testing::ElementsAre;

std::int64_t total(const std::vector<ParamView>& layout) {
  std::int64_t n = 0;
  for (const auto& p : layout) n += p.size;
  return n;
}

TEST(ParameterLayout, BidirectionalGruWithAttentionNamesShapesOrder) {
  ModelOptions o;
  o.cell = CellKind::Gru;
  o.hidden_size = 5;
  o.num_layers = 2;
  o.bidirectional = true;
  o.pooling = PoolingKind::Attention;
  o.attention_dim = 7;
  const auto layout = parameter_layout(o, 3, 4);
  std::vector<std::string> names;
  for (const auto& p : layout) names.push_back(p.name);
  EXPECT_THAT(
      names, ElementsAre(
                 "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                 "rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse", "rnn.bias_ih_l0_reverse",
                 "rnn.bias_hh_l0_reverse", "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1",
                 "rnn.bias_hh_l1", "rnn.weight_ih_l1_reverse", "rnn.weight_hh_l1_reverse",
                 "rnn.bias_ih_l1_reverse", "rnn.bias_hh_l1_reverse", "pool.attention.weight",
                 "pool.attention.bias", "pool.attention.v", "head.weight", "head.bias"));
  EXPECT_THAT(layout[0].shape, ElementsAre(15, 3));
  EXPECT_THAT(layout[1].shape, ElementsAre(15, 5));
  EXPECT_THAT(layout[2].shape, ElementsAre(15));
  EXPECT_THAT(layout[8].shape, ElementsAre(15, 10));  // layer 1 input = H * 2 directions
  EXPECT_THAT(layout[16].shape, ElementsAre(7, 10));
  EXPECT_THAT(layout[18].shape, ElementsAre(7));
  EXPECT_THAT(layout[19].shape, ElementsAre(4, 10));
  EXPECT_THAT(layout[20].shape, ElementsAre(4));
  std::int64_t offset = 0;  // contiguous, in order
  for (const auto& p : layout) {
    EXPECT_EQ(p.offset, offset) << p.name;
    std::int64_t size = 1;
    for (auto s : p.shape) size *= s;
    EXPECT_EQ(p.size, size) << p.name;
    offset += p.size;
  }
}

// Layer norm adds nn.ModuleList `norm` of nn.LayerNorm(D) after the recurrent tensors, before
// pooling and head; residual adds nothing. The plain stack's offsets are unchanged by residual.
TEST(ParameterLayout, LayerNormTensorsFollowTheRecurrentOnes) {
  ModelOptions o;
  o.cell = CellKind::Lstm;
  o.hidden_size = 4;
  o.num_layers = 2;
  o.bidirectional = true;
  o.pooling = PoolingKind::Mean;
  const auto plain = parameter_layout(o, 3, 2);
  o.residual = true;
  const auto residual = parameter_layout(o, 3, 2);
  ASSERT_EQ(residual.size(), plain.size());
  for (std::size_t i = 0; i < plain.size(); ++i) EXPECT_EQ(residual[i].offset, plain[i].offset);
  o.layer_norm = true;
  const auto layout = parameter_layout(o, 3, 2);
  std::vector<std::string> names;
  for (const auto& p : layout) names.push_back(p.name);
  ASSERT_EQ(layout.size(), plain.size() + 4);
  EXPECT_THAT(std::vector<std::string>(names.begin() + 16, names.end()),
              ElementsAre("norm.0.weight", "norm.0.bias", "norm.1.weight", "norm.1.bias",
                          "head.weight", "head.bias"));
  EXPECT_THAT(layout[16].shape, ElementsAre(8));  // D = 4 * 2 directions
  EXPECT_EQ(total(layout), total(plain) + 4 * 8);
}

TEST(ParameterLayout, ResidualNeedsTwoLayers) {
  ModelOptions o;
  o.num_layers = 1;
  o.residual = true;
  EXPECT_THROW(o.validate(), InputError);
  o.num_layers = 2;
  EXPECT_NO_THROW(o.validate());
  EXPECT_NE(o.cuda_unsupported_reason(), "");
  o.residual = false;
  EXPECT_EQ(o.cuda_unsupported_reason(), "");
}

// The convolutional front-end leads the layout with PyTorch's Conv2d / LayerNorm shapes, and the
// first recurrent layer reads C * F_last: 64 bands -> 32 -> 16 bins with stride 2.
TEST(ParameterLayout, ConvFrontendLeadsWithConv2dAndLayerNormShapes) {
  ModelOptions o;
  o.hidden_size = 8;
  o.num_layers = 1;
  o.frontend = FrontendKind::Conv;  // 2 blocks, 16 channels, (3, 3), strides (1, 2)
  const auto layout = parameter_layout(o, 64, 4);
  ASSERT_GE(layout.size(), 8u);
  const std::vector<std::pair<std::string, std::vector<std::int64_t>>> want = {
      {"frontend.blocks.0.conv.weight", {16, 1, 3, 3}},  {"frontend.blocks.0.conv.bias", {16}},
      {"frontend.blocks.0.norm.weight", {16, 32}},       {"frontend.blocks.0.norm.bias", {16, 32}},
      {"frontend.blocks.1.conv.weight", {16, 16, 3, 3}}, {"frontend.blocks.1.conv.bias", {16}},
      {"frontend.blocks.1.norm.weight", {16, 16}},       {"frontend.blocks.1.norm.bias", {16, 16}}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(layout[i].name, want[i].first);
    EXPECT_EQ(layout[i].shape, want[i].second) << want[i].first;
  }
  EXPECT_EQ(layout[8].name, "rnn.weight_ih_l0");
  EXPECT_EQ(layout[8].shape, (std::vector<std::int64_t>{32, 16 * 16}));
  EXPECT_EQ(frontend_frames(o, 101), 101);
  o.conv_stride_time = 2;  // ceil(ceil(101 / 2) / 2) = 26
  EXPECT_EQ(frontend_frames(o, 101), 26);
  EXPECT_NE(o.cuda_unsupported_reason(), "");
  o.conv_layer_norm = false;  // no norm tensors: block 1's conv follows block 0's bias
  EXPECT_EQ(parameter_layout(o, 64, 4)[2].name, "frontend.blocks.1.conv.weight");
}

// model.conv_bypass: 64 log-mels + 3 prosody columns, the prosody past the convolution. The
// blocks see 64 bins as without prosody, and the first recurrent layer reads 16 x 16 + 3.
TEST(ParameterLayout, BypassedColumnsJoinTheFrontEndsOutput) {
  ModelOptions o;
  o.hidden_size = 8;
  o.num_layers = 1;
  o.frontend = FrontendKind::Conv;
  o.conv_stride_time = 2;
  o.conv_bypass = 3;
  const auto blocks = conv_block_shapes(o, 67);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].f_in, 64);
  EXPECT_EQ(blocks[0].f_out, 32);
  EXPECT_EQ(frontend_output_dim(o, 67), 16 * 16 + 3);
  EXPECT_EQ(frontend_time_stride(o), 4);
  const auto layout = parameter_layout(o, 67, 4);
  EXPECT_EQ(layout[3].shape, (std::vector<std::int64_t>{16, 32}));  // block 0's norm: 32 bins
  EXPECT_EQ(layout[8].name, "rnn.weight_ih_l0");
  EXPECT_EQ(layout[8].shape, (std::vector<std::int64_t>{32, 16 * 16 + 3}));
  // Every column bypassed leaves nothing to convolve: refused, naming the option.
  o.conv_bypass = 67;
  try {
    conv_block_shapes(o, 67);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "model.conv_bypass");
    EXPECT_THAT(e.reason(), ::testing::HasSubstr("67"));
  }
}

TEST(ParameterLayout, ConvFrontendOptionsAreChecked) {
  ModelOptions o;
  o.frontend = FrontendKind::Conv;
  EXPECT_NO_THROW(o.validate());
  for (auto bad : std::vector<std::function<void(ModelOptions&)>>{
           [](ModelOptions& m) { m.conv_kernel_freq = 4; },  // even: no centred padding
           [](ModelOptions& m) { m.conv_blocks = 0; }, [](ModelOptions& m) { m.conv_channels = 0; },
           [](ModelOptions& m) { m.conv_stride_time = 0; },
           [](ModelOptions& m) { m.conv_kernel_time = 0; },
           [](ModelOptions& m) { m.conv_blocks = 100; },
           [](ModelOptions& m) { m.conv_bypass = -1; },
           [](ModelOptions& m) {
             m.frontend = FrontendKind::None;  // a bypass without a front-end
             m.conv_bypass = 3;
           }}) {
    ModelOptions m = o;
    bad(m);
    EXPECT_THROW(m.validate(), InputError);
  }
}

// Numbers from PyTorch 1.13: sum(p.numel() for p in m.parameters()).
TEST(ParameterLayout, CountsEqualPyTorch) {
  ModelOptions o;
  o.hidden_size = 128;
  o.num_layers = 2;
  o.pooling = PoolingKind::Mean;
  o.cell = CellKind::Lstm;
  // nn.LSTM(64, 128, 2): 4*128*(64+128+2) + 4*128*(128+128+2) = 231,424; nn.Linear(128, 8): 1,032
  EXPECT_EQ(total(parameter_layout(o, 64, 8)), 231424 + 1032);
  o.cell = CellKind::Gru;  // nn.GRU(64, 128, 2): 3/4 of the LSTM
  EXPECT_EQ(total(parameter_layout(o, 64, 8)), 173568 + 1032);
  o.cell = CellKind::RnnTanh;  // nn.RNN(64, 128, 2)
  EXPECT_EQ(total(parameter_layout(o, 64, 8)), 57856 + 1032);
  o.cell = CellKind::Lstm;
  o.bidirectional = true;
  // nn.LSTM(40, 64, 3, bidirectional=True): 2*(256*(40+64+2)) + 2*2*(256*(128+64+2)) = 252,928;
  // nn.Linear(128, 6): 774; attention W (32,128) + b (32) + v (32) = 4,160
  o.hidden_size = 64;
  o.num_layers = 3;
  o.pooling = PoolingKind::Attention;
  o.attention_dim = 32;
  EXPECT_EQ(total(parameter_layout(o, 40, 6)), 252928 + 774 + 4160);
}

TEST(ParameterLayout, ModelExposesTheLayoutAndPyTorchInitBounds) {
  ModelOptions o;
  o.hidden_size = 16;
  o.num_layers = 1;
  auto m = make_cpu_sequence_model(o, 8, 3, 42);
  ASSERT_EQ(m->layout().size(), 6u);
  EXPECT_EQ(static_cast<std::int64_t>(m->weights().size()), total(m->layout()));
  EXPECT_EQ(m->gradients().size(), m->weights().size());
  // Recurrent tensors in +-1/sqrt(16) = 0.25, head in +-1/sqrt(16); not all equal.
  float lo = 1, hi = -1;
  for (float w : m->weights()) {
    lo = std::min(lo, w);
    hi = std::max(hi, w);
  }
  EXPECT_GE(lo, -0.25f);
  EXPECT_LE(hi, 0.25f);
  EXPECT_LT(lo, -0.2f);
  EXPECT_GT(hi, 0.2f);
  auto again = make_cpu_sequence_model(o, 8, 3, 42);
  EXPECT_TRUE(std::equal(m->weights().begin(), m->weights().end(), again->weights().begin()));
}

}  // namespace
}  // namespace calmspace
