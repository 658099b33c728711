// Evaluation of a model on a split: clean features, no dropout, batches sorted by length.
#pragma once

#include <string>
#include <vector>

#include "core/eval/metrics.h"
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

}  // namespace calmspace
