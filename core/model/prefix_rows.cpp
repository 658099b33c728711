// SequenceModel::predict_with_prefixes, the backend-independent way: prefixes become rows.
#include "core/error.h"
#include "core/model/sequence_model.h"

namespace calmspace {

void check_prefixes(const PaddedBatch& x, std::span<const PrefixRow> prefixes) {
  for (const PrefixRow& p : prefixes) {
    CALMSPACE_CHECK(p.row >= 0 && p.row < x.batch, "prefix of row ", p.row, " in a batch of ",
                    x.batch);
    CALMSPACE_CHECK(p.length >= 1 && p.length <= x.lengths[static_cast<std::size_t>(p.row)],
                    "prefix of ", p.length, " frames of a clip of ",
                    x.lengths[static_cast<std::size_t>(p.row)]);
  }
}

void SequenceModel::predict_with_prefixes(const PaddedBatch& x, std::span<const PrefixRow> prefixes,
                                          std::vector<float>& logits) {
  check_prefixes(x, prefixes);
  if (prefixes.empty()) return forward(x, logits, /*training=*/false, 0);
  std::vector<FrameSlice> slices;
  for (const PrefixRow& p : prefixes) slices.push_back({p.row, 0, p.length});
  forward(append_slices(x, slices), logits, /*training=*/false, 0);
}

}  // namespace calmspace
