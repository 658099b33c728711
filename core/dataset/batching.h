// Mini-batches of a split, as positions 0..N-1 into the split's clip list.
//   Training (bucketed_batches): clips sorted by frame count (ties broken by a seeded shuffle),
//   cut into consecutive batches of batch_size (the last, partial batch is kept), then the order
//   inside each batch and the order of the batches are shuffled with Rng(seed, Batching, epoch):
//   similar lengths share a batch (little padding), yet every epoch visits the batches in a
//   different, reproducible order.
//   Evaluation (sequential_batches): positions in order, no shuffle.
// pad_batch() turns the members' (T_i, F) features into one zero-padded (B, T_max, F) batch.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/base/tensor.h"

namespace calmspace {

using BatchPlan = std::vector<std::vector<std::size_t>>;  // batches of positions

BatchPlan bucketed_batches(std::span<const std::int64_t> frames, int batch_size, std::uint64_t seed,
                           std::int64_t epoch);
BatchPlan sequential_batches(std::size_t count, int batch_size);

// Balanced sampling (train.balanced_sampling): group.size() positions drawn with replacement,
// each draw a group uniformly among those present, then a position uniformly within it, from
// Rng(seed, Batching, epoch, 1). group[p]: the (corpus, class) group id of position p.
std::vector<std::size_t> balanced_draw(std::span<const int> group, std::uint64_t seed,
                                       std::int64_t epoch);

// A padded batch and what it holds.
struct Batch {
  PaddedBatch x;                     // (B, T_max, F), zero beyond each clip's length
  std::vector<int> labels;           // (B,) label id of each member
  std::vector<std::size_t> members;  // (B,) positions in the split
  // Mixup (augment.mixup_alpha, core/train/mixup.h): both (B,) or both empty. Row b's features
  // are already mixed; it aims at mix_lambda[b] of labels[b] and the rest of partner_labels[b].
  std::vector<int> partner_labels;
  std::vector<float> mix_lambda;
};

// `features[p]` and `labels[p]` for every position p of `members`; all features share one dim.
Batch pad_batch(std::span<const FeatureMatrix> features, std::span<const int> labels,
                std::span<const std::size_t> members);
// Same, with the members' features given directly (features[k] belongs to members[k]).
Batch pad_batch(std::span<const FeatureMatrix* const> member_features,
                std::span<const int> member_labels, std::span<const std::size_t> members);

}  // namespace calmspace
