// Speaker-independent train / validation / test split of a dataset file.
//   Folds (default): test = clips of fold train.test_fold; validation = fold train.valid_fold
//   (-1 = (test_fold + 1) % num_folds); training = every other fold. Folds are made per speaker
//   by `prepare`, so no speaker can be in two splits; this is asserted anyway.
//   train.validation false: no validation split (valid_fold -1); every other fold trains.
//   CSV split column: when the dataset has one (DatasetHeader::has_split) and at least one clip
//   gives a value, the column decides for EVERY clip and the folds are ignored: "train"/"training",
//   "valid"/"validation"/"val"/"dev", "test" (case-insensitive); an empty or other value is an
//   InputError naming the clip. A speaker in two splits is an InputError too (the protocol is
//   speaker-independent) unless train.speaker_independent is false (a person's own clips split
//   for fine-tuning, trainer.h). The validation split may then be empty.
//   data.fold_by corpus (leave-one-corpus-out, multi-corpus datasets): test = every clip of corpus
//   train.test_fold (an index into DatasetHeader::corpus_names); validation = the clips of the
//   other corpora whose speaker fold is train.valid_fold (-1 = (test_fold + 1) % num_folds), so it
//   stays speaker-independent; training = the rest. A CSV split column is ignored then.
// Positions in each list are dataset clip indices, ascending.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/config/data_options.h"
#include "core/config/train_options.h"
#include "core/dataset/dataset_file.h"

namespace calmspace {

struct Splits {
  std::vector<std::size_t> train, valid, test;
  std::string source;  // "folds", "corpus" or "csv"
  int test_fold = -1;  // folds actually used (-1 for csv)
  int valid_fold = -1;
};

// `dataset_name` names the dataset in errors. Throws InputError("train.test_fold", ...) when the
// fold is out of range, InputError("train.valid_fold", ...) likewise or when it equals the test
// fold, InputError(dataset_name, ...) when the training split is empty or speakers overlap.
Splits make_splits(const DatasetHeader& header, const std::vector<ClipInfo>& clips,
                   const TrainOptions& options, const std::string& dataset_name,
                   FoldBy fold_by = FoldBy::Speaker);
Splits make_splits(const DatasetFile& dataset, const TrainOptions& options,
                   FoldBy fold_by = FoldBy::Speaker);

// Training uses the folds stored in the dataset file (prepare made them). A config that lists
// data.folds must list those same folds: InputError("data.folds", ...) naming the first speaker
// that differs, so a changed fold list is never silently ignored. Empty data.folds: no check.
void check_config_folds(const DatasetHeader& header, const DataOptions& data,
                        const std::string& dataset_name);

// How many test folds cross-validation runs: the dataset's speaker folds, or its corpora.
int num_test_folds(const DatasetHeader& header, FoldBy fold_by);
// The name of test fold k in reports: "fold 3" or the corpus name.
std::string test_fold_name(const DatasetHeader& header, FoldBy fold_by, int k);

}  // namespace calmspace
