#include "core/dataset/batching.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>

#include "core/base/error.h"
#include "core/base/rng.h"

namespace calmspace {

BatchPlan bucketed_batches(std::span<const std::int64_t> frames, int batch_size, std::uint64_t seed,
                           std::int64_t epoch) {
  CALMSPACE_CHECK(batch_size >= 1, "batch_size ", batch_size);
  Rng rng(seed, RngStream::Batching, epoch);
  std::vector<std::size_t> order(frames.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  rng.shuffle(order);  // random tie-breaking among equal lengths
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return frames[a] < frames[b]; });
  BatchPlan plan;
  for (std::size_t i = 0; i < order.size(); i += static_cast<std::size_t>(batch_size)) {
    const auto end = std::min(order.size(), i + static_cast<std::size_t>(batch_size));
    plan.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(i),
                      order.begin() + static_cast<std::ptrdiff_t>(end));
    rng.shuffle(plan.back());
  }
  rng.shuffle(plan);
  return plan;
}

std::vector<std::size_t> balanced_draw(std::span<const int> group, std::uint64_t seed,
                                       std::int64_t epoch) {
  std::map<int, std::vector<std::size_t>> members;
  for (std::size_t p = 0; p < group.size(); ++p) members[group[p]].push_back(p);
  std::vector<const std::vector<std::size_t>*> groups;
  groups.reserve(members.size());
  for (const auto& [id, positions] : members) groups.push_back(&positions);
  Rng rng(seed, RngStream::Batching, epoch, 1);
  std::vector<std::size_t> out(group.size());
  for (std::size_t& p : out) {
    const auto& g = *groups[rng.below(groups.size())];
    p = g[rng.below(g.size())];
  }
  return out;
}

BatchPlan sequential_batches(std::size_t count, int batch_size) {
  CALMSPACE_CHECK(batch_size >= 1, "batch_size ", batch_size);
  BatchPlan plan;
  for (std::size_t i = 0; i < count; i += static_cast<std::size_t>(batch_size)) {
    plan.emplace_back();
    for (std::size_t p = i; p < std::min(count, i + static_cast<std::size_t>(batch_size)); ++p)
      plan.back().push_back(p);
  }
  return plan;
}

Batch pad_batch(std::span<const FeatureMatrix* const> member_features,
                std::span<const int> member_labels, std::span<const std::size_t> members) {
  CALMSPACE_CHECK(
      member_features.size() == members.size() && member_labels.size() == members.size(),
      "batch member counts differ");
  Batch b;
  b.members.assign(members.begin(), members.end());
  b.labels.assign(member_labels.begin(), member_labels.end());
  auto& x = b.x;
  x.batch = static_cast<std::int64_t>(members.size());
  x.dim = member_features.empty() ? 0 : member_features[0]->dim;
  for (const FeatureMatrix* f : member_features) {
    CALMSPACE_CHECK(f->dim == x.dim, "feature dims differ in a batch: ", f->dim, " vs ", x.dim);
    CALMSPACE_CHECK(static_cast<std::int64_t>(f->data.size()) == f->frames * f->dim,
                    "feature matrix size");
    x.max_frames = std::max(x.max_frames, f->frames);
    x.lengths.push_back(f->frames);
  }
  x.data.assign(static_cast<std::size_t>(x.batch * x.max_frames * x.dim), 0.0f);
  for (std::int64_t i = 0; i < x.batch; ++i) {
    const auto& src = member_features[static_cast<std::size_t>(i)]->data;
    if (!src.empty())
      std::memcpy(x.data.data() + i * x.max_frames * x.dim, src.data(), src.size() * sizeof(float));
  }
  return b;
}

Batch pad_batch(std::span<const FeatureMatrix> features, std::span<const int> labels,
                std::span<const std::size_t> members) {
  std::vector<const FeatureMatrix*> f;
  std::vector<int> l;
  for (std::size_t p : members) {
    CALMSPACE_CHECK(p < features.size() && p < labels.size(), "position ", p, " out of range");
    f.push_back(&features[p]);
    l.push_back(labels[p]);
  }
  return pad_batch(f, l, members);
}

}  // namespace calmspace
