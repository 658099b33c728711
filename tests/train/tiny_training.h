// Shared by the trainer tests: a config that learns the tone dataset (support/test_support.h
// write_tone_dataset) in a few epochs of a tiny bidirectional GRU, and the per-epoch values that
// must match exactly between two runs (timings may differ), and a crash after a given epoch.
#pragma once

#include <stdexcept>
#include <vector>

#include "core/config/config.h"
#include "core/train/epoch_record.h"
#include "core/train/trainer.h"

namespace calmspace::testing {

inline Config tiny_config(int epochs) {
  Config c;
  c.features.n_mels = 16;
  c.model.cell = CellKind::Gru;
  c.model.hidden_size = 12;
  c.model.num_layers = 1;
  c.model.bidirectional = true;
  c.train.epochs = epochs;
  c.train.batch_size = 8;
  c.train.lr = 0.02;
  c.train.warmup_epochs = 0;
  c.train.min_lr = 0.001;
  c.train.patience = 0;
  c.train.seed = 5;
  c.train.num_threads = 1;
  c.augment.time_masks = 1;
  c.augment.time_mask_frames = 5;
  c.augment.gain_db = 3;
  return c;
}

inline std::vector<double> learning_values(const std::vector<EpochRecord>& history) {
  std::vector<double> v;
  for (const auto& r : history)
    for (double x : {r.lr, r.train_loss, r.train_accuracy, r.valid_loss, r.valid_ua, r.grad_norm})
      v.push_back(x);
  return v;
}

// Simulates a crash right after epoch `epoch` (1-based) was checkpointed: a killed run.
class CrashAfter final : public TrainingObserver {
 public:
  explicit CrashAfter(int epoch) : epoch_(epoch) {}
  void on_epoch(const EpochRecord& r, bool) override {
    if (r.epoch == epoch_) throw std::runtime_error("simulated crash");
  }

 private:
  int epoch_;
};

}  // namespace calmspace::testing
