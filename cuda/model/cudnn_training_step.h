// TrainingStep (core/train/training_step.h) for CudnnSequenceModel, entirely on the device:
//   upload batch (pinned, async) -> zero gradients -> forward_device -> softmax cross-entropy
//   kernel (dlogits, loss and correct count added to device totals) -> backward_device ->
//   gradient-norm kernels (norm added to totals, clip coefficient kept on the device) -> Adam.
// Nothing waits for the GPU except totals() (the loss read for logging) and optimizer_state()
// (checkpoints). Adam's bias corrections depend only on the step count, known on the host.
#pragma once

#include "core/train/training_step.h"
#include "cuda/model/cudnn_sequence_model.h"

namespace calmspace::cuda {

class CudnnTrainingStep final : public TrainingStep {
 public:
  CudnnTrainingStep(CudnnSequenceModel& model, const TrainStepConfig& config);
  void set_lr(double lr) override { config_.adam.lr = lr; }
  void run(const Batch& batch, std::uint64_t dropout_seed, int epoch, std::size_t index) override;
  bool totals_are_free() const override { return false; }
  StepTotals totals() override;
  void reset_totals() override;
  AdamState optimizer_state() override;
  void set_optimizer_state(const AdamState& state) override;

 private:
  CudnnSequenceModel& model_;
  TrainStepConfig config_;
  std::size_t n_ = 0;  // parameters
  DeviceBuffer<float> m_, v_, class_weights_, dlogits_;
  DeviceBuffer<double> partials_, coef_;
  DeviceBuffer<kernels::StepTotalsDevice> totals_;
  PinnedBuffer<kernels::StepTotalsDevice> totals_host_;
  std::int64_t step_ = 0, seen_ = 0, steps_ = 0;
};

}  // namespace calmspace::cuda
