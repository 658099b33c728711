// Speaker-independent folds: every speaker belongs to exactly one fold, so no speaker is ever in
// both training and test data.
//   data.folds given: those lists, fold k = k-th list. A speaker with clips but in no fold is an
//     InputError("data.folds", ...) naming the speaker; a listed speaker without clips is a
//     warning.
//   data.folds empty: speakers sorted by id are dealt into data.num_folds contiguous groups whose
//     sizes differ by at most one (24 RAVDESS actors, 6 folds -> 01-04, 05-08, ..., 21-24).
//     Fewer speakers than folds (TESS's two): one fold per speaker, with a warning.
#pragma once

#include <string>
#include <vector>

#include "core/config/data_options.h"

namespace calmspace {

struct FoldAssignment {
  std::vector<std::string> speakers;  // sorted, unique: the speakers given
  std::vector<int> speaker_fold;      // fold of speakers[i], in [0, num_folds)
  int num_folds = 0;
  std::vector<std::string> warnings;  // one line each, e.g. a fold speaker with no clips

  int fold_of(const std::string& speaker) const;  // -1 if unknown
};

// `speakers`: the speaker ids of the corpus (duplicates allowed; they are collapsed).
FoldAssignment assign_folds(std::vector<std::string> speakers, const DataOptions& options);

}  // namespace calmspace
