// One optimisation step on a batch, behind a narrow interface so the trainer is the same on
// every backend:  zero gradients -> forward (training) -> softmax cross-entropy (optional class
// weights) -> backward -> global gradient-norm clipping -> Adam/AdamW update.
//   CPU (CpuTrainingStep): the model's host spans, loss.h, optimizer.h, exactly as before.
//   CUDA (cuda/cudnn_training_step.*): everything stays on the device; the running totals live
//   there and are read only by totals() (the one host synchronisation, for logging).
// make_training_step() picks the implementation from the model's backend.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/dataset/batching.h"
#include "core/model/loss.h"
#include "core/model/sequence_model.h"
#include "core/train/optimizer.h"

namespace calmspace {

struct TrainStepConfig {
  AdamConfig adam;
  double grad_clip = 0;              // max global L2 norm; 0 = off
  std::vector<float> class_weights;  // empty or (C)
};

// Sums over the steps since reset_totals().
struct StepTotals {
  double loss_sum = 0;       // sum over steps of (batch mean loss) * B
  std::int64_t seen = 0;     // clips
  std::int64_t correct = 0;  // argmax(logits) == label
  double grad_norm_sum = 0;  // sum of pre-clipping global norms
  std::int64_t steps = 0;
};

class TrainingStep {
 public:
  virtual ~TrainingStep() = default;
  virtual void set_lr(double lr) = 0;
  // One step. `epoch` and `index` (0-based) only name the batch in errors.
  virtual void run(const Batch& batch, std::uint64_t dropout_seed, int epoch,
                   std::size_t index) = 0;
  // True when totals() costs nothing (the trainer then reads them after every step).
  virtual bool totals_are_free() const = 0;
  virtual StepTotals totals() = 0;  // may wait for the device
  virtual void reset_totals() = 0;
  // Optimizer moments and step count, in the flat parameter layout (checkpoint / resume).
  virtual AdamState optimizer_state() = 0;
  virtual void set_optimizer_state(const AdamState& state) = 0;
};

// The batch's mixup targets (empty without mixup), for softmax_cross_entropy and
// target_weight (core/model/loss.h).
MixedTargets mixed_targets(const Batch& batch);

// The first half of a host step: zero gradients, forward (training, `dropout_seed`), softmax
// cross-entropy with `class_weights` (and the batch's mixup targets), backward. Returns the batch's
// (weighted) mean loss; the model's gradients are then d loss / d weights; `logits` (B, C) and
// `dlogits` are scratch. InputError naming train.lr when the loss is not finite (`epoch`, `index`
// name the batch).
double forward_backward(SequenceModel& model, const Batch& batch,
                        std::span<const float> class_weights, std::uint64_t dropout_seed, int epoch,
                        std::size_t index, std::vector<float>& logits, std::vector<float>& dlogits);

// The CUDA step for models the registered GPU backend made, the CPU step otherwise.
std::unique_ptr<TrainingStep> make_training_step(SequenceModel& model,
                                                 const TrainStepConfig& config);

// The host implementation (works with any SequenceModel through its host spans).
class CpuTrainingStep final : public TrainingStep {
 public:
  CpuTrainingStep(SequenceModel& model, const TrainStepConfig& config);
  void set_lr(double lr) override { optimizer_.set_lr(lr); }
  void run(const Batch& batch, std::uint64_t dropout_seed, int epoch, std::size_t index) override;
  bool totals_are_free() const override { return true; }
  StepTotals totals() override { return totals_; }
  void reset_totals() override { totals_ = {}; }
  AdamState optimizer_state() override { return optimizer_.state(); }
  void set_optimizer_state(const AdamState& state) override { optimizer_.state() = state; }

 private:
  SequenceModel& model_;
  TrainStepConfig config_;
  AdamOptimizer optimizer_;
  StepTotals totals_;
  std::vector<float> logits_, dlogits_;
};

}  // namespace calmspace
