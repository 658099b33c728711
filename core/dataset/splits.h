// Speaker-independent train / validation / test split of a dataset file.
//   Folds (default): test = clips of fold train.test_fold; validation = fold train.valid_fold
//   (-1 = (test_fold + 1) % num_folds); training = every other fold. Folds are made per speaker
//   by `prepare`, so no speaker can be in two splits; this is asserted anyway.
//   train.validation false: no validation split (valid_fold -1); every other fold trains.
//   CSV split column: when the dataset has one (DatasetHeader::has_split) and at least one clip
//   gives a value, the column decides for EVERY clip and the folds are ignored: "train"/"training",
//   "valid"/"validation"/"val"/"dev", "test" (case-insensitive); an empty or other value is an
//   InputError naming the clip. A speaker in two splits is an InputError too (the protocol is
//   speaker-independent, always). The validation split may then be empty.
// Positions in each list are dataset clip indices, ascending.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/config/train_options.h"
#include "core/dataset/dataset_file.h"

namespace calmspace {

struct Splits {
  std::vector<std::size_t> train, valid, test;
  std::string source;  // "folds" or "csv"
  int test_fold = -1;  // folds actually used (-1 for csv)
  int valid_fold = -1;
};

// `dataset_name` names the dataset in errors. Throws InputError("train.test_fold", ...) when the
// fold is out of range, InputError("train.valid_fold", ...) likewise or when it equals the test
// fold, InputError(dataset_name, ...) when the training split is empty or speakers overlap.
Splits make_splits(const DatasetHeader& header, const std::vector<ClipInfo>& clips,
                   const TrainOptions& options, const std::string& dataset_name);
Splits make_splits(const DatasetFile& dataset, const TrainOptions& options);

}  // namespace calmspace
