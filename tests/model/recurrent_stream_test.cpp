// RecurrentStream: a unidirectional model fed a sequence in blocks gives the logits of forward()
// on the whole sequence as one clip, for every cell, pooling and depth, whatever the block sizes
// (1 frame, 7, 64, the whole sequence, random). Tolerance 1e-5 absolute on logits, as in
// prefix_rows_test.cpp: the block's matrix products and the online softmax round differently.
// The same input normalisation as the model (set to non-trivial values here).
#include <gtest/gtest.h>

#include <random>

#include "core/base/error.h"
#include "core/model/cpu_sequence_model.h"
#include "core/model/recurrent_stream.h"
#include "support/model_test_util.h"

namespace calmspace {
namespace {

using testing::ModelCase;

std::vector<ModelCase> unidirectional_cases() {
  std::vector<ModelCase> out;
  for (const ModelCase& c : testing::all_model_cases())
    if (!c.bidirectional) out.push_back(c);
  for (const ModelCase& c : testing::stack_model_cases())
    if (!c.bidirectional) out.push_back(c);
  for (const ModelCase& c : testing::conv_model_cases())
    if (!c.bidirectional) out.push_back(c);
  return out;
}

class RecurrentStreamCase : public ::testing::TestWithParam<ModelCase> {};

TEST_P(RecurrentStreamCase, BlocksGiveTheWholeSequencesLogits) {
  constexpr int F = 5, C = 4;
  CpuSequenceModel m(testing::make_options(GetParam(), 12, 6), F, C, 3);
  const auto mean = testing::white_noise(F, 0.5, 8);
  auto std = testing::white_noise(F, 0.2, 9);
  for (float& s : std) s = 1.0f + std::abs(s);
  m.set_input_norm(mean, std);
  const PaddedBatch x = testing::random_batch({300}, F, 17);
  std::vector<float> want;
  m.forward(x, want, /*training=*/false, 0);

  std::mt19937_64 rng(5);
  std::vector<std::int64_t> random_blocks(40);
  for (auto& b : random_blocks) b = std::uniform_int_distribution<std::int64_t>(1, 40)(rng);
  for (const auto& blocks : {std::vector<std::int64_t>{1}, {7}, {64}, {300}, random_blocks}) {
    RecurrentStream stream(m);
    for (std::int64_t t = 0, i = 0; t < 300; ++i) {
      const std::int64_t n = std::min<std::int64_t>(blocks[i % blocks.size()], 300 - t);
      stream.push(x.data.data() + t * F, n);
      t += n;
    }
    ASSERT_EQ(stream.frames(), 300);
    const std::vector<float> got = stream.logits();
    ASSERT_EQ(got.size(), want.size());
    for (int c = 0; c < C; ++c)
      EXPECT_NEAR(got[c], want[c], 1e-5) << "class " << c << ", blocks of " << blocks.front();
  }
}

// reset() starts a new sequence: after a first one of other frames, the same logits, bit for bit,
// as a fresh stream (every pooling's running summary and every layer's state are cleared).
TEST_P(RecurrentStreamCase, ResetStartsANewSequence) {
  constexpr int F = 5, C = 4;
  CpuSequenceModel m(testing::make_options(GetParam(), 12, 6), F, C, 3);
  const PaddedBatch first = testing::random_batch({90}, F, 21);
  const PaddedBatch second = testing::random_batch({70}, F, 22);
  RecurrentStream fresh(m);
  fresh.push(second.data.data(), 70);
  RecurrentStream reused(m);
  reused.push(first.data.data(), 90);
  reused.reset();
  EXPECT_EQ(reused.frames(), 0);
  reused.push(second.data.data(), 70);
  EXPECT_EQ(reused.logits(), fresh.logits());
}

INSTANTIATE_TEST_SUITE_P(Cases, RecurrentStreamCase, ::testing::ValuesIn(unidirectional_cases()),
                         [](const auto& p) { return p.param.name(); });

TEST(RecurrentStream, RefusesBidirectionalModelsAndEmptyStreams) {
  CpuSequenceModel bi(testing::make_options({CellKind::Gru, true, 1, PoolingKind::Mean}, 4, 3), 3,
                      2, 1);
  EXPECT_FALSE(RecurrentStream::unsupported_reason(bi.options()).empty());
  EXPECT_THROW(RecurrentStream{bi}, Error);
  CpuSequenceModel uni(testing::make_options({CellKind::Gru, false, 1, PoolingKind::Mean}, 4, 3), 3,
                       2, 1);
  EXPECT_TRUE(RecurrentStream::unsupported_reason(uni.options()).empty());
  RecurrentStream empty(uni);
  EXPECT_THROW(empty.logits(), Error);
}

}  // namespace
}  // namespace calmspace
