// Mixup on training batches (augment.mixup_alpha; Zhang, Cisse, Dauphin, Lopez-Paz 2018,
// "mixup: Beyond Empirical Risk Minimization", arXiv 1710.09412), on the features:
//   every row r of a batch is mixed with a partner row p(r) of the same batch, p a seeded
//   permutation of its rows, with lambda_r ~ Beta(alpha, alpha) folded to max(lambda, 1 - lambda)
//   (so the row's own clip is the larger part and keeps its length):
//     x_r[t] = lambda_r x_r[t] + (1 - lambda_r) x_p(r)[t mod T_p(r)],   t < T_r   (T, F)
//   (a shorter partner repeats; batches are bucketed by length, so partners are close in length),
//   and the loss aims at lambda_r e_{y_r} + (1 - lambda_r) e_{y_p(r)} (core/model/loss.h).
// Draws are keyed by (train.seed, epoch, batch index) over the whole batch, so every rank of a
// data-parallel job mixes its rows as one process would, whatever its share; a rank computes the
// features of its rows' partners too, so with waveform augmentation (a codec above all) a rank
// may do up to twice its share's feature work.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/base/tensor.h"
#include "core/dataset/batching.h"
#include "core/dataset/clip_source.h"

namespace calmspace {

// The draws of one batch of `rows` rows.
struct MixupDraw {
  std::vector<std::size_t> partner;  // (rows,) a permutation of 0..rows-1
  std::vector<float> lambda;         // (rows,) in [0.5, 1]
};

// Rng(seed, Mixup, epoch, batch): alpha > 0.
MixupDraw draw_mixup(std::size_t rows, double alpha, std::uint64_t seed, std::int64_t epoch,
                     std::size_t batch);

// lambda a + (1 - lambda) b over a's frames, b repeated when shorter: (a.frames, F).
FeatureMatrix mix_features(const FeatureMatrix& a, const FeatureMatrix& b, float lambda);

// Rows [first, end) of `batch_positions` (one batch of the epoch's plan: positions of `source`)
// as a padded batch of mixed features with their targets; the features of the rows and of their
// partners are computed once each. first < end <= batch_positions.size().
Batch mixup_batch(ClipSource& source, std::span<const std::size_t> batch_positions,
                  std::size_t first, std::size_t end, const MixupDraw& draw, std::int64_t epoch);

}  // namespace calmspace
