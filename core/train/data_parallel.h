// The trainer's data-parallel pieces (core/train/trainer.cpp, with data_parallel_step.h): how
// a batch is shared out, the statistics pass and validation on the ranks' shares, the check
// that the ranks hold the same weights, and RUN/data_parallel.json. Every function that takes a
// Cluster other than my_rows is a collective: every rank calls it, in the same order.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/cluster/cluster.h"
#include "core/dataset/clip_source.h"
#include "core/eval/metrics.h"
#include "core/features/feature_stats.h"
#include "core/model/sequence_model.h"
#include "core/run/run_dir.h"
#include "core/train/data_parallel_step.h"

namespace calmspace {

// Rank r's share of a batch when N ranks train data-parallel (data_parallel_step.h): the rows
// [b_r, b_(r+1)) with b_r the first row whose frames before it reach r / N of the batch's
// frames, so that each rank's recurrent work (linear in frames) is about equal. One rank: all.
std::pair<std::size_t, std::size_t> my_rows(std::span<const std::size_t> members,
                                            std::span<const std::int64_t> frames,
                                            const Cluster& cluster);

// Every rank must hold the same weights after each epoch (the same summed gradients, the same
// update); a difference means a rank diverged, and training stops with an internal error.
void check_same_weights(std::span<const float> weights, Cluster& cluster, int epoch);

// The input normalisation's statistics with each rank reading only its share of the training
// clips (core/cluster/dealing.h): the ranks' sums and sums of squares are added by one allreduce.
// Equal to compute_feature_stats over every clip up to the order of the double sums.
FeatureStats feature_stats_on_ranks(ClipSource& source, int dim, Cluster& cluster);

// Validation with each rank scoring its share of the clips (`mine`, possibly none): the ranks'
// confusion matrices and loss sums are added by one allreduce, and the metrics computed from the
// sum, as evaluate_model computes them from the whole split's.
Metrics validation_on_ranks(SequenceModel& model, ClipSource& mine,
                            const std::vector<std::string>& labels, int batch_size,
                            Cluster& cluster);

// One epoch of data-parallel training: the slowest rank's and the mean rank's seconds of
// compute, waiting and allreduce (data_parallel_step.h), and the epoch's training seconds.
nlohmann::json epoch_times(const DataParallelStep& step, Cluster& cluster, int epoch,
                           double train_seconds);

// RUN/data_parallel.json: how the ranks spent each epoch (written by the root after each one).
void write_parallel_log(const RunDir& run, const nlohmann::json& epochs, const Cluster& cluster,
                        const DataParallelStep& step);

}  // namespace calmspace
