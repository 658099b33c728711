// Training from a config to a run directory (the work behind `calmspace train`):
//   speaker-independent splits (train.test_fold / valid_fold) -> clip sources (stored or computed
//   features; augmentation on the training split) -> input normalisation from the training split
//   -> per epoch: lr from the schedule, length-bucketed shuffled batches, forward, softmax
//   cross-entropy (optionally class-weighted), backward, gradient clipping, Adam/AdamW; then
//   validation (WA/UA/macro-F1) -> best checkpoint on validation UA, early stopping -> at the
//   end, the best checkpoint evaluated on the test split.
// Run directory:
//   config.yaml            the resolved config
//   metrics.jsonl, .csv    one record per finished epoch (EpochRecord)
//   checkpoints/last.h5    after every epoch, with everything --resume needs
//   checkpoints/best.h5    the epoch with the best validation UA so far
//   report.json, .csv      test split metrics of the best checkpoint
// train.init (core/train/fine_tuning.h): the run starts from a trained model, with its audio,
// features, model sections, labels, weights and input normalisation; train.trainable freezes its
// lower layers (the CPU backend). The report then names the model it started from.
// Every random draw is keyed by (train.seed, epoch, clip or batch), so the same seed on the same
// machine gives identical metrics, and a resumed run ends where an uninterrupted one does.
#pragma once

#include <string>
#include <vector>

#include "core/cluster/cluster.h"
#include "core/config/config.h"
#include "core/dataset/dataset_file.h"
#include "core/eval/metrics.h"
#include "core/train/epoch_record.h"

namespace calmspace {

// Receives progress; the library never prints.
class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  virtual void on_start(const std::string& /*summary*/) {}
  virtual void on_batch(int /*epoch*/, int /*epochs*/, int /*done*/, int /*total*/,
                        double /*running_loss*/) {}
  virtual void on_epoch(const EpochRecord& /*record*/, bool /*improved*/) {}
};

struct TrainOutcome {
  std::vector<EpochRecord> history;
  int best_epoch = 0;  // 1-based; 0 when no epoch ran
  double best_valid_ua = 0;
  bool stopped_early = false;
  Metrics test;      // the best checkpoint on the test split (empty when the split is empty)
  int ensemble = 1;  // members (core/train/ensemble.h); > 1: best_epoch is 0, history empty
  std::string run_dir;
};

// Trains as `config` says. With `resume`, continues the run in `run_dir` from its
// checkpoints/last.h5 (the config stored there wins; the one given is ignored).
// With a `cluster` of N > 1 ranks (every rank calls this with the same arguments): an ensemble's
// members are dealt out to the ranks (ensemble.h); one model trains data-parallel
// (core/train/data_parallel_step.h): each rank computes the gradients of its share of every
// global batch (train.batch_size stays the global batch), one allreduce sums them, and every
// rank applies the same update. The root writes the run directory and calls the observer; the
// other ranks return an outcome with only run_dir set. --resume works with any number of ranks.
TrainOutcome train_model(const DatasetFile& dataset, Config config, const std::string& run_dir,
                         bool resume, TrainingObserver* observer = nullptr,
                         Cluster& cluster = single_process());

}  // namespace calmspace
