// Evaluation of a model on a split: clean features, no dropout, batches sorted by length.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/dataset/clip_source.h"
#include "core/dataset/dataset_file.h"
#include "core/eval/metrics.h"
#include "core/model/sequence_model.h"
#include "core/run/checkpoint.h"

namespace calmspace {

struct Evaluation {
  Metrics metrics;                   // includes the mean cross-entropy as `loss`
  std::vector<float> logits;         // (N, C), in the source's position order
  std::vector<float> probabilities;  // (N, C) softmax of the logits
  std::vector<int> predicted;        // (N,) argmax
};

Evaluation evaluate_model(SequenceModel& model, ClipSource& source,
                          const std::vector<std::string>& labels, int batch_size);

// A checkpoint on one split of a dataset: "test", "valid", "train" (the split the checkpoint's
// config defines, speaker-independent) or "all". InputError naming the split otherwise.
Evaluation evaluate_checkpoint(const DatasetFile& dataset, const Checkpoint& checkpoint,
                               const std::string& split, int threads = 0);

// An ensemble's members (core/train/ensemble.h) on the split that the first member's config
// defines (members share their folds): logits are the mean of the members' logits, so the
// probabilities are the renormalised geometric mean of theirs. One member: evaluate_checkpoint.
Evaluation evaluate_checkpoints(const DatasetFile& dataset, std::span<const Checkpoint> members,
                                const std::string& split, int threads = 0);

}  // namespace calmspace
