// What voice enrolment buys (issue 25): a model trained with speaker-level normalisation
// (features.speaker_norm) normalises a clip with its speaker's statistics. A person using the page
// has one recording, not every clip of theirs, so without enrolment the normalisation falls back to
// the recording's own statistics (utterance_features). Enrolment stores the statistics of a few of
// the person's recordings of one emotion (a neutral reading).
// On every speaker of a split, the comparison scores the same clips under:
//   "utterance"   each clip normalised with its own statistics (no enrolment);
//   "enrol N"     with the statistics of the speaker's first N clips labelled `label` (N from
//                 `counts`), those clips never scored;
//   "all clips"   with the statistics of all the speaker's clips in the split, scored clips
//                 included (transductive: the upper reference of the table).
// Scored clips: the split's clips (select_for_eval) less each speaker's first max(counts) clips of
// `label`; a speaker with fewer than max(counts) such clips is left out and named.
#pragma once

#include <string>
#include <vector>

#include "core/dataset/dataset_file.h"
#include "core/eval/metrics.h"
#include "core/run/checkpoint.h"

namespace calmspace {

struct EnrolmentCondition {
  std::string name;  // "utterance", "enrol 4", "all clips"
  int clips = 0;     // enrolment clips per speaker (0 for the other two)
  Metrics metrics;
};

struct EnrolmentComparison {
  std::string split;
  std::string label;
  std::vector<EnrolmentCondition> conditions;
  std::vector<std::string> speakers;           // scored
  std::vector<std::string> speakers_left_out;  // too few clips of `label`
  std::vector<std::string> classes_left_out;   // model classes the data lacks
};

// InputError("--label", ...) when the model does not know `label`; InputError(model, ...) when it
// was not trained with features.speaker_norm; InputError(dataset path, ...) when no speaker has
// max(counts) clips of `label` and at least one more clip to score.
EnrolmentComparison compare_enrolment(const DatasetFile& dataset, const Checkpoint& model,
                                      const std::string& model_name, const std::string& split,
                                      const std::string& label, const std::vector<int>& counts,
                                      int threads);

}  // namespace calmspace
