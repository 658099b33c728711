// Learning rate per epoch (set at the start of each epoch, so a resumed run sees the same values):
//   warm-up: epochs [0, warmup_epochs) rise linearly from lr/10 to lr;
//   cosine:  then lr -> min_lr along a half cosine over the remaining epochs;
//   constant: lr;
//   plateau: lr, halved (never below min_lr) each time validation UA has not improved for
//            max(1, patience / 3) epochs (patience = train.patience, or 3 when it is 0).
#pragma once

#include "core/config/train_options.h"

namespace calmspace {

class LrSchedule {
 public:
  explicit LrSchedule(const TrainOptions& options) : options_(options), plateau_lr_(options.lr) {}

  // Learning rate for `epoch` (0-based). `epochs_without_improvement` feeds the plateau rule.
  double lr_for_epoch(int epoch, int epochs_without_improvement);

  // Plateau state, for checkpoints.
  double plateau_lr() const { return plateau_lr_; }
  void set_plateau_lr(double lr) { plateau_lr_ = lr; }

 private:
  TrainOptions options_;
  double plateau_lr_;
};

}  // namespace calmspace
