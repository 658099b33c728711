// PyTorch 1.13 goldens (tests/model/torch_reference.py): bidirectional 2-layer RNN/LSTM/GRU with
// packed sequences (the reverse direction starts at each clip's true end), mean or h_n ("last")
// pooling, linear head, mean cross-entropy. Logits and every parameter gradient of the double
// reference and the fast float backend must match. The goldens are float64 read as float32
// (core/io/npy), so the reference tolerance is 1e-6 absolute; the fast backend's is 2e-5 (as in
// fast_parity_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/base/npy.h"
#include "core/model/cpu_sequence_model.h"
#include "core/model/loss.h"
#include "core/model/reference_model.h"
#include "support/model_test_util.h"

namespace calmspace {
namespace {

struct GoldenCase {
  std::string dir;
  CellKind cell;
  PoolingKind pooling;
};

class TorchGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(TorchGolden, LogitsAndGradientsMatchPyTorch) {
  const auto& g = GetParam();
  const std::string dir = std::string(CALMSPACE_SOURCE_DIR) + "/tests/model/golden/" + g.dir + "/";
  const auto weights = read_npy(dir + "weights.npy");
  const auto grads = read_npy(dir + "grads.npy");
  const auto xs = read_npy(dir + "x.npy");
  const auto lengths = read_npy(dir + "lengths.npy");
  const auto labels_f = read_npy(dir + "labels.npy");
  const auto logits_ref = read_npy(dir + "logits.npy");
  ASSERT_EQ(xs.shape.size(), 3u);

  ModelOptions o;
  o.cell = g.cell;
  o.hidden_size = 4;
  o.num_layers = 2;
  o.bidirectional = true;
  o.pooling = g.pooling;
  o.input_norm = false;
  const int F = static_cast<int>(xs.shape[2]), C = static_cast<int>(logits_ref.shape[1]);
  PaddedBatch x;
  x.batch = xs.shape[0];
  x.max_frames = xs.shape[1];
  x.dim = F;
  x.data = xs.data;
  for (float l : lengths.data) x.lengths.push_back(static_cast<std::int64_t>(l));
  std::vector<int> labels;
  for (float l : labels_f.data) labels.push_back(static_cast<int>(l));

  ReferenceModel<double> ref(o, F, C);
  ASSERT_EQ(ref.weights().size(), weights.data.size());
  ref.weights().assign(weights.data.begin(), weights.data.end());
  std::vector<double> logits, dlogits(static_cast<std::size_t>(x.batch * C));
  ref.forward(testing::to_ref<double>(x), logits, false, 0);
  for (std::size_t i = 0; i < logits.size(); ++i)
    EXPECT_NEAR(logits[i], logits_ref.data[i], 1e-6) << "reference logit " << i;
  softmax_cross_entropy<double>(logits.data(), x.batch, C, labels.data(), {}, dlogits.data());
  ref.backward(dlogits);
  for (std::size_t i = 0; i < grads.data.size(); ++i)
    EXPECT_NEAR(ref.gradients()[i], grads.data[i], 1e-6) << "reference gradient " << i;

  CpuSequenceModel fast(o, F, C, 1);
  std::copy(weights.data.begin(), weights.data.end(), fast.weights().begin());
  std::vector<float> flogits, fd(static_cast<std::size_t>(x.batch * C));
  fast.forward(x, flogits, false, 0);
  for (std::size_t i = 0; i < flogits.size(); ++i)
    EXPECT_NEAR(flogits[i], logits_ref.data[i], 2e-5) << "fast logit " << i;
  softmax_cross_entropy(flogits, x.batch, C, labels, {}, fd);
  fast.backward(fd);
  for (std::size_t i = 0; i < grads.data.size(); ++i)
    EXPECT_NEAR(fast.gradients()[i], grads.data[i], 2e-5) << "fast gradient " << i;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TorchGolden,
    ::testing::Values(GoldenCase{"lstm_bi_l2_mean", CellKind::Lstm, PoolingKind::Mean},
                      GoldenCase{"gru_bi_l2_last", CellKind::Gru, PoolingKind::Last},
                      GoldenCase{"rnn_tanh_bi_l2_mean", CellKind::RnnTanh, PoolingKind::Mean},
                      GoldenCase{"rnn_relu_bi_l2_last", CellKind::RnnRelu, PoolingKind::Last}),
    [](const auto& p) { return p.param.dir; });

}  // namespace
}  // namespace calmspace
