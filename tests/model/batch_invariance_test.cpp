// A clip's logits and gradients do not depend on the other clips of its padded batch (reverse
// direction included: it starts at the clip's own end, not at the padded end), and the
// gradients of a batch equal the sum of per-clip gradients. Checked on the fast backend (float,
// tolerance 1e-5 absolute on logits, 1e-5 * max(1, max|g|) on gradients: GEMMs of different
// row counts round differently) and on the double reference (tolerance 1e-12).
#include <gtest/gtest.h>

#include <cmath>

#include "core/base/error.h"
#include "core/model/cpu_sequence_model.h"
#include "core/model/reference_model.h"
#include "support/model_test_util.h"

namespace calmspace {
namespace {

using testing::ModelCase;

std::vector<ModelCase> cases() {
  std::vector<ModelCase> out;
  for (auto cell : {CellKind::RnnTanh, CellKind::RnnRelu, CellKind::Lstm, CellKind::Gru})
    for (auto p : {PoolingKind::Mean, PoolingKind::Last, PoolingKind::Attention})
      out.push_back({cell, true, 2, p});
  out.push_back({CellKind::Lstm, false, 1, PoolingKind::Max});
  // Residual and layer norm between layers (per frame: padding must not reach them).
  out.push_back({CellKind::Lstm, true, 3, PoolingKind::Attention, true, true});
  out.push_back({CellKind::Gru, false, 2, PoolingKind::Max, true, false});
  out.push_back({CellKind::RnnTanh, true, 2, PoolingKind::Mean, false, true});
  // The convolutional front-end: its kernel must not read another clip's frames or padding.
  for (const ModelCase& c : testing::conv_model_cases()) out.push_back(c);
  return out;
}

class BatchInvariance : public ::testing::TestWithParam<ModelCase> {};

template <class Model, class S>
void check(Model& m, const PaddedBatch& x, double logit_tol, double grad_rel,
           const std::function<void(Model&, const PaddedBatch&, std::vector<S>&)>& fwd) {
  std::vector<S> logits;
  fwd(m, x, logits);
  const auto C = static_cast<std::int64_t>(logits.size()) / x.batch;
  const auto dlf = testing::random_values(x.batch * C, 1.0, 31);
  const std::vector<S> dl(dlf.begin(), dlf.end());
  std::fill(m.gradients().begin(), m.gradients().end(), S(0));
  m.backward(dl);
  const std::vector<S> batch_grads(m.gradients().begin(), m.gradients().end());
  std::vector<S> sum(batch_grads.size(), S(0));
  for (std::int64_t b = 0; b < x.batch; ++b) {
    std::vector<S> one_logits;
    fwd(m, testing::single_clip(x, b), one_logits);
    for (std::int64_t c = 0; c < C; ++c)
      EXPECT_NEAR(one_logits[c], logits[b * C + c], logit_tol) << "clip " << b;
    std::fill(m.gradients().begin(), m.gradients().end(), S(0));
    m.backward(std::vector<S>(dl.begin() + b * C, dl.begin() + (b + 1) * C));
    for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += m.gradients()[i];
  }
  double scale = 1;
  for (S g : batch_grads) scale = std::max(scale, std::abs(static_cast<double>(g)));
  for (std::size_t i = 0; i < sum.size(); ++i)
    EXPECT_NEAR(sum[i], batch_grads[i], grad_rel * scale) << "parameter " << i;
}

TEST_P(BatchInvariance, FastBackend) {
  auto opts = testing::make_options(GetParam(), 7, 4);
  CpuSequenceModel m(opts, 3, 4, 9);
  m.set_num_threads(2);
  const auto x = testing::random_batch({6, 11, 1, 9, 11}, 3, 17);
  std::function<void(CpuSequenceModel&, const PaddedBatch&, std::vector<float>&)> fwd =
      [](CpuSequenceModel& mm, const PaddedBatch& b, std::vector<float>& l) {
        mm.forward(b, l, false, 0);
      };
  check<CpuSequenceModel, float>(m, x, 1e-5, 1e-5, fwd);
}

TEST_P(BatchInvariance, ReferenceDouble) {
  auto opts = testing::make_options(GetParam(), 4, 3);
  ReferenceModel<double> m(opts, 3, 4);
  const auto w = testing::random_values(static_cast<std::int64_t>(m.weights().size()), 0.5, 12);
  m.weights().assign(w.begin(), w.end());
  const auto x = testing::random_batch({6, 11, 1, 9, 11}, 3, 17);
  std::function<void(ReferenceModel<double>&, const PaddedBatch&, std::vector<double>&)> fwd =
      [](ReferenceModel<double>& mm, const PaddedBatch& b, std::vector<double>& l) {
        mm.forward(testing::to_ref<double>(b), l, false, 0);
      };
  check<ReferenceModel<double>, double>(m, x, 1e-12, 1e-12, fwd);
}

INSTANTIATE_TEST_SUITE_P(Cases, BatchInvariance, ::testing::ValuesIn(cases()),
                         [](const auto& p) { return p.param.name(); });

}  // namespace
}  // namespace calmspace

namespace calmspace {
namespace {

// Extra padded frames past the longest clip change nothing (fast backend, bidirectional GRU and
// LSTM): the same batch padded to T + 5 gives identical logits and gradients.
TEST(BatchInvarianceExtra, ExtraPaddingChangesNothing) {
  for (auto cell : {CellKind::Gru, CellKind::Lstm}) {
    auto opts = testing::make_options({cell, true, 2, PoolingKind::Attention}, 6, 4);
    const auto x = testing::random_batch({5, 8, 2}, 3, 4);
    PaddedBatch wide = x;
    wide.max_frames = x.max_frames + 5;
    wide.data.assign(static_cast<std::size_t>(wide.batch * wide.max_frames * wide.dim), 0.0f);
    for (std::int64_t b = 0; b < x.batch; ++b)
      for (std::int64_t t = 0; t < x.max_frames; ++t)
        for (std::int64_t f = 0; f < x.dim; ++f) wide.at(b, t, f) = x.at(b, t, f);
    CpuSequenceModel m(opts, 3, 4, 2);
    std::vector<float> a, b;
    const auto dl = testing::random_values(3 * 4, 1.0, 5);
    m.forward(x, a, false, 0);
    m.backward(dl);
    const std::vector<float> ga(m.gradients().begin(), m.gradients().end());
    m.zero_gradients();
    m.forward(wide, b, false, 0);
    m.backward(dl);
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6);
    for (std::size_t i = 0; i < ga.size(); ++i) EXPECT_NEAR(ga[i], m.gradients()[i], 1e-5);
  }
}

// A clip of zero frames (or longer than the batch) is an error, not silent garbage.
TEST(BatchInvarianceExtra, RejectsBadLengths) {
  ModelOptions o;
  o.hidden_size = 4;
  CpuSequenceModel m(o, 3, 2, 1);
  auto x = testing::random_batch({3, 2}, 3, 1);
  std::vector<float> logits;
  x.lengths[1] = 0;
  EXPECT_THROW(m.forward(x, logits, false, 0), Error);
  x.lengths[1] = 4;
  EXPECT_THROW(m.forward(x, logits, false, 0), Error);
}

}  // namespace
}  // namespace calmspace
