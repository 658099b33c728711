// SequenceModel::predict_with_prefixes: the logits of a prefix (the first n frames of a clip of
// the batch) equal the logits of that prefix given as a clip of its own. The CPU backend reads a
// unidirectional model's prefix states off the full pass; a bidirectional model goes the default
// way (prefixes copied in as rows). Tolerance 1e-5 absolute on logits, as in
// batch_invariance_test.cpp: GEMMs over different row counts round differently.
#include <gtest/gtest.h>

#include "core/base/error.h"
#include "core/model/cpu_sequence_model.h"
#include "support/model_test_util.h"

namespace calmspace {
namespace {

using testing::ModelCase;

std::vector<ModelCase> cases() {
  std::vector<ModelCase> out;
  for (auto cell : {CellKind::RnnTanh, CellKind::Lstm, CellKind::Gru})
    for (bool bi : {false, true})
      for (auto p :
           {PoolingKind::Mean, PoolingKind::Max, PoolingKind::Last, PoolingKind::Attention})
        out.push_back({cell, bi, 2, p});
  out.push_back({CellKind::Lstm, false, 3, PoolingKind::Mean, true, true});
  out.push_back({CellKind::Gru, true, 2, PoolingKind::Attention, false, true});
  out.push_back({CellKind::Gru, false, 2, PoolingKind::Last, true, false});
  // The front-end is causal in time: a prefix's frames are the first frames of the whole clip's.
  for (const ModelCase& c : testing::conv_model_cases()) out.push_back(c);
  return out;
}

class PrefixRows : public ::testing::TestWithParam<ModelCase> {};

TEST_P(PrefixRows, EachPrefixPredictsAsAClipOfItsOwn) {
  CpuSequenceModel m(testing::make_options(GetParam(), 7, 4), 3, 5, 11);
  const PaddedBatch x = testing::random_batch({9, 5, 7}, 3, 21);
  const std::vector<PrefixRow> prefixes = {{0, 4}, {2, 7}, {1, 1}, {0, 9}, {2, 3}};
  std::vector<float> got;
  m.predict_with_prefixes(x, prefixes, got);
  const std::int64_t C = 5;
  ASSERT_EQ(got.size(), static_cast<std::size_t>((x.batch + 5) * C));

  std::vector<float> want;
  m.forward(x, want, /*training=*/false, 0);
  for (std::int64_t i = 0; i < x.batch * C; ++i)
    EXPECT_NEAR(got[i], want[i], 1e-5) << "clip row " << i / C;
  for (std::size_t k = 0; k < prefixes.size(); ++k) {
    PaddedBatch alone = testing::single_clip(x, prefixes[k].row);
    alone.max_frames = alone.lengths[0] = prefixes[k].length;
    alone.data.resize(static_cast<std::size_t>(prefixes[k].length * x.dim));
    m.forward(alone, want, false, 0);
    for (std::int64_t c = 0; c < C; ++c)
      EXPECT_NEAR(got[(x.batch + static_cast<std::int64_t>(k)) * C + c], want[c], 1e-5)
          << "prefix " << k << " (" << prefixes[k].length << " frames of clip " << prefixes[k].row
          << ")";
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, PrefixRows, ::testing::ValuesIn(cases()),
                         [](const auto& p) { return p.param.name(); });

TEST(PrefixRowsErrors, RefusePrefixesOutsideTheirClip) {
  for (bool bi : {false, true}) {
    CpuSequenceModel m(testing::make_options({CellKind::Gru, bi, 1, PoolingKind::Mean}, 4, 3), 3, 2,
                       1);
    const PaddedBatch x = testing::random_batch({6, 4}, 3, 2);
    std::vector<float> logits;
    for (PrefixRow bad : {PrefixRow{2, 1}, PrefixRow{-1, 1}, PrefixRow{1, 0}, PrefixRow{1, 5}}) {
      const std::vector<PrefixRow> prefixes = {bad};
      EXPECT_THROW(m.predict_with_prefixes(x, prefixes, logits), Error)
          << "row " << bad.row << " length " << bad.length << (bi ? " bi" : " uni");
    }
  }
}

}  // namespace
}  // namespace calmspace
