// Evaluation of a model on a split: clean features, no dropout, batches sorted by length.
// Scoring on shared classes (cross-corpus protocol): a dataset whose corpora lack some of the
// model's classes (CASIA has no calm and no disgust; TESS no calm) is scored on the classes it
// has: the argmax is taken over those classes only and the metrics list only them; the model
// classes left out are named in Evaluation::classes_left_out. Labels of another dataset are
// matched to the model's by name through the label map (core/dataset/label_map.h); its clips
// whose label the model does not know are left out and counted.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/dataset/clip_source.h"
#include "core/dataset/dataset_file.h"
#include "core/eval/metrics.h"
#include "core/model/sequence_model.h"
#include "core/run/checkpoint.h"

namespace calmspace {

// How a source's dataset labels are scored against a model's classes.
struct Scoring {
  std::vector<int> truth_map;  // dataset label id -> model class; empty = the same ids
  std::vector<int> classes;    // model classes scored, ascending; empty = all
};

struct Evaluation {
  Metrics metrics;                   // over the scored classes; `loss` = mean cross-entropy
  std::vector<float> logits;         // (N, C), in the source's position order, all C classes
  std::vector<float> probabilities;  // (N, C) softmax of the logits
  std::vector<int> predicted;        // (N,) model class: argmax over the scored classes
  std::vector<int> truth;            // (N,) model class of each clip's label
  std::vector<int> scored;           // the classes scored, ascending (Scoring::classes or all)
  std::vector<std::string> classes_left_out;  // model classes not scored (absent from the data)
  std::map<std::string, std::int64_t> clips_left_out;  // dataset label -> clips (not in model)
  std::string split;                                   // the split evaluated ("test", "all", ...)
  // (N,) the dataset clip index of each row (evaluate_checkpoint(s)); empty for evaluations of
  // features or logits at hand, which know no dataset.
  std::vector<std::size_t> clips;
};

Evaluation evaluate_model(SequenceModel& model, ClipSource& source,
                          const std::vector<std::string>& labels, int batch_size,
                          const Scoring& scoring = {});
// The same on features at hand: (T, F) rows of each clip and its dataset label (scoring's ids).
Evaluation evaluate_features(SequenceModel& model, std::span<const FeatureMatrix> features,
                             std::span<const int> dataset_labels,
                             const std::vector<std::string>& labels, int batch_size,
                             const Scoring& scoring = {});
// Predictions and metrics from given logits ((N, C), e.g. an ensemble's mean): the softmax, the
// argmax over the scored classes, the metrics and the mean cross-entropy.
Evaluation evaluate_logits(std::vector<float> logits, std::span<const int> dataset_labels,
                           const std::vector<std::string>& labels, const Scoring& scoring = {});

// The model classes that occur among all clips of the corpora `clips` come from (their whole
// corpora, not only the split: a test split missing a class by chance still scores it), through
// `truth_map` (empty = the same ids). Ascending.
std::vector<int> scored_classes(const DatasetFile& dataset, std::span<const std::size_t> clips,
                                std::span<const int> truth_map = {});

// The classes a model trained on `train` clips and tested on `test` clips of the same file is
// scored on: scored_classes(test) that occur among the training clips too. A class only the
// held-out corpus has (RAVDESS's calm when RAVDESS is left out) was never taught, so it is not
// a shared class: scoring it would only add a recall of 0.
std::vector<int> shared_trained_classes(const DatasetFile& dataset,
                                        std::span<const std::size_t> train,
                                        std::span<const std::size_t> test);

// The clips of a split a checkpoint is scored on and how: the split resolved ("auto"), the clips
// whose label the model knows (the others counted in clips_left_out), the label map to the
// model's classes and the classes scored.
struct EvalSelection {
  std::string split;
  std::vector<std::size_t> clips;  // dataset clip indices
  Scoring scoring;
  std::map<std::string, std::int64_t> clips_left_out;
};
EvalSelection select_for_eval(const DatasetFile& dataset, const Checkpoint& checkpoint,
                              const std::string& split);

// A checkpoint on one split of a dataset: "test", "valid", "train" (the split the checkpoint's
// config defines, speaker-independent), "all", or "auto": "all" when the dataset's labels differ
// from the model's (another corpus), else "test". InputError naming the split otherwise.
Evaluation evaluate_checkpoint(const DatasetFile& dataset, const Checkpoint& checkpoint,
                               const std::string& split, int threads = 0);

// An ensemble's members (core/train/ensemble.h) on the split that the first member's config
// defines (members share their folds): logits are the mean of the members' logits, so the
// probabilities are the renormalised geometric mean of theirs. The logits (and so the
// probabilities and the loss) are divided by the first member's model.temperature, as predict
// does (core/eval/calibration.h). evaluate_checkpoint() alone leaves them uncalibrated.
Evaluation evaluate_checkpoints(const DatasetFile& dataset, std::span<const Checkpoint> members,
                                const std::string& split, int threads = 0);

}  // namespace calmspace
