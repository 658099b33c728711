// Data-parallel training of one model over the ranks of a job (issue 23). Every rank holds the
// same weights and optimizer state and is given its share of each global batch: a contiguous run
// of its rows holding about 1/N of the batch's frames (trainer.cpp, my_rows), possibly none.
// One step:
//   local forward / softmax cross-entropy / backward on the share      -> g_r = d(mean_r loss)/dw
//   g_r *= W_r  (W_r = the share's sum of class weights, its clip count when unweighted; with
//               mixup the sum of its rows' target weights, core/model/loss.h target_weight)
//   one MPI_Allreduce (sum) of the flat buffer [g_r (P floats), W_r, W_r loss_r, correct_r, B_r]
//   g = sum_r g_r / sum_r W_r: the gradient of the whole batch's (weighted) mean loss
//   global-norm clipping and Adam/AdamW, identical on every rank.
// So the same config, seed and global batch give the same training as one process up to the
// order of float summation (tests/cluster/mpi_train_test.cpp). The buffer is P + 4 floats
// (about 1 MB for the shipped GRU). On the cuDNN backend the step goes through the model's host
// mirrors (core/model/sequence_model.h): forward and backward of the share on the rank's GPU
// (core/base/device.h, set_gpu_slot), the gradients downloaded, summed on the host, the update on
// the host and the weights uploaded before the next forward: staged through the host, 2P floats
// over PCIe per step; NCCL is not used (tests/cuda/model/gpu_data_parallel_test.cpp). cuDNN's
// dropout generator is seeded by train.seed on every rank, so its masks would repeat across the
// ranks' shares: the trainer refuses model.dropout > 0 there.
#pragma once

#include <vector>

#include "core/cluster/cluster.h"
#include "core/train/training_step.h"

namespace calmspace {

// Seconds spent by this rank since reset_times(): computing (forward, backward, update),
// waiting for the slowest rank (a barrier before the allreduce), and in the allreduce itself.
struct ParallelTimes {
  double compute = 0, wait = 0, allreduce = 0;
  std::int64_t steps = 0;
};

class DataParallelStep final : public TrainingStep {
 public:
  DataParallelStep(SequenceModel& model, const TrainStepConfig& config, Cluster& cluster);
  void set_lr(double lr) override { optimizer_.set_lr(lr); }
  // `batch`: this rank's share (may be empty), batch.x.first_row its first row's position in the
  // whole batch. Every rank calls run for every global batch.
  void run(const Batch& batch, std::uint64_t dropout_seed, int epoch, std::size_t index) override;
  bool totals_are_free() const override { return true; }
  StepTotals totals() override { return totals_; }  // of the whole batches, on every rank
  void reset_totals() override { totals_ = {}; }
  AdamState optimizer_state() override { return optimizer_.state(); }
  void set_optimizer_state(const AdamState& state) override { optimizer_.state() = state; }

  const ParallelTimes& times() const { return times_; }
  void reset_times() { times_ = {}; }
  std::size_t allreduce_bytes() const { return flat_.size() * sizeof(float); }

 private:
  SequenceModel& model_;
  TrainStepConfig config_;
  Cluster& cluster_;
  AdamOptimizer optimizer_;
  StepTotals totals_;
  ParallelTimes times_;
  std::vector<float> logits_, dlogits_, flat_;
};

}  // namespace calmspace
