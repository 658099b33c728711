// SequenceModel::predict_with_prefixes, the backend-independent way: prefixes become rows.
#include <algorithm>

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
  PaddedBatch all;
  all.batch = x.batch + static_cast<std::int64_t>(prefixes.size());
  all.max_frames = x.max_frames;
  all.dim = x.dim;
  all.data.assign(static_cast<std::size_t>(all.batch * all.max_frames * all.dim), 0.0f);
  std::copy(x.data.begin(), x.data.end(), all.data.begin());
  all.lengths = x.lengths;
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const PrefixRow& p = prefixes[i];
    const auto src = x.data.begin() + p.row * x.max_frames * x.dim;
    std::copy(src, src + p.length * x.dim,
              all.data.begin() + (x.batch + static_cast<std::int64_t>(i)) * x.max_frames * x.dim);
    all.lengths.push_back(p.length);
  }
  forward(all, logits, /*training=*/false, 0);
}

}  // namespace calmspace
