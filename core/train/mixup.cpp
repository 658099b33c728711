#include "core/train/mixup.h"

#include <algorithm>
#include <numeric>

#include "core/base/error.h"
#include "core/base/rng.h"

namespace calmspace {

MixupDraw draw_mixup(std::size_t rows, double alpha, std::uint64_t seed, std::int64_t epoch,
                     std::size_t batch) {
  CALMSPACE_CHECK(alpha > 0, "mixup alpha ", alpha);
  Rng rng(seed, RngStream::Mixup, epoch, static_cast<std::int64_t>(batch));
  MixupDraw draw;
  draw.partner.resize(rows);
  std::iota(draw.partner.begin(), draw.partner.end(), std::size_t{0});
  rng.shuffle(draw.partner);
  draw.lambda.reserve(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const double l = rng.beta(alpha, alpha);
    draw.lambda.push_back(static_cast<float>(std::max(l, 1 - l)));
  }
  return draw;
}

FeatureMatrix mix_features(const FeatureMatrix& a, const FeatureMatrix& b, float lambda) {
  CALMSPACE_CHECK(a.dim == b.dim, "mixing features of dims ", a.dim, " and ", b.dim);
  CALMSPACE_CHECK(b.frames > 0 || a.frames == 0, "mixing with an empty partner");
  FeatureMatrix out = a;
  const float rest = 1.0f - lambda;
  for (std::int64_t t = 0; t < a.frames; ++t) {
    const float* pb = b.data.data() + (t % b.frames) * b.dim;
    float* po = out.data.data() + t * a.dim;
    for (std::int64_t f = 0; f < a.dim; ++f) po[f] = lambda * po[f] + rest * pb[f];
  }
  return out;
}

Batch mixup_batch(ClipSource& source, std::span<const std::size_t> batch_positions,
                  std::size_t first, std::size_t end, const MixupDraw& draw, std::int64_t epoch) {
  CALMSPACE_CHECK(first < end && end <= batch_positions.size(), "rows [", first, ", ", end,
                  ") of a batch of ", batch_positions.size());
  CALMSPACE_CHECK(draw.partner.size() == batch_positions.size(), "mixup draws for ",
                  draw.partner.size(), " rows, batch of ", batch_positions.size());
  std::vector<std::size_t> rows;  // my rows and their partners, once each, ascending
  for (std::size_t r = first; r < end; ++r) {
    rows.push_back(r);
    rows.push_back(draw.partner[r]);
  }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  std::vector<std::size_t> positions;
  positions.reserve(rows.size());
  for (std::size_t r : rows) positions.push_back(batch_positions[r]);
  const std::vector<FeatureMatrix> features = source.features(positions, epoch);
  const auto of_row = [&](std::size_t r) -> const FeatureMatrix& {
    return features[static_cast<std::size_t>(std::lower_bound(rows.begin(), rows.end(), r) -
                                             rows.begin())];
  };

  std::vector<FeatureMatrix> mixed;
  std::vector<int> labels, partner_labels;
  std::vector<float> lambda;
  std::vector<std::size_t> members;
  for (std::size_t r = first; r < end; ++r) {
    const std::size_t p = draw.partner[r];
    mixed.push_back(mix_features(of_row(r), of_row(p), draw.lambda[r]));
    labels.push_back(source.labels()[batch_positions[r]]);
    partner_labels.push_back(source.labels()[batch_positions[p]]);
    lambda.push_back(draw.lambda[r]);
    members.push_back(batch_positions[r]);
  }
  std::vector<const FeatureMatrix*> pointers;
  pointers.reserve(mixed.size());
  for (const FeatureMatrix& m : mixed) pointers.push_back(&m);
  Batch batch = pad_batch(pointers, labels, members);
  batch.partner_labels = std::move(partner_labels);
  batch.mix_lambda = std::move(lambda);
  return batch;
}

}  // namespace calmspace
