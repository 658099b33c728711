// Evaluation of a model on a split: clean features, no dropout, batches sorted by length.
#pragma once

#include <string>
#include <vector>

#include "core/dataset/dataset_file.h"
#include "core/eval/metrics.h"
#include "core/model/checkpoint.h"
#include "core/model/sequence_model.h"
#include "core/train/clip_source.h"

namespace calmspace {

struct Evaluation {
  Metrics metrics;                   // includes the mean cross-entropy as `loss`
  std::vector<float> probabilities;  // (N, C) softmax, in the source's position order
  std::vector<int> predicted;        // (N,) argmax
};

Evaluation evaluate_model(SequenceModel& model, ClipSource& source,
                          const std::vector<std::string>& labels, int batch_size);

// A checkpoint on one split of a dataset: "test", "valid", "train" (the split the checkpoint's
// config defines, speaker-independent) or "all". InputError naming the split otherwise.
Evaluation evaluate_checkpoint(const DatasetFile& dataset, const Checkpoint& checkpoint,
                               const std::string& split, int threads = 0);

}  // namespace calmspace
