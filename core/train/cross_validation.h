// k-fold cross-validation by speaker (the work behind `calmspace cv`): fold k is the test set of
// run k, fold (k + 1) mod K its validation set, the rest its training set. Each run is a normal
// training run in OUT/fold_<k>/; OUT/cv.json holds every fold's test report and the mean and
// sample standard deviation (n - 1) of ua, wa and macro_f1 over folds. OUT/config.yaml is the
// resolved config, written first. With `resume`, a killed cross-validation goes on: the config
// stored in OUT/config.yaml wins, each fold with a checkpoint (or an ensemble's members)
// resumes or, when it had finished, is only evaluated again, and the other folds start.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/cluster/cluster.h"
#include "core/config/config.h"
#include "core/dataset/dataset_file.h"
#include "core/train/trainer.h"

namespace calmspace {

struct CvSummary {
  std::vector<TrainOutcome> folds;
  double ua_mean = 0, ua_std = 0, wa_mean = 0, wa_std = 0, f1_mean = 0, f1_std = 0;
};

// `observer` sees every fold's training; `on_fold` (may be empty) is told when a fold finishes.
// `max_folds` > 0 runs only the first max_folds of the K folds (quick benchmarks); validation
// folds stay (k + 1) mod K, and cv.json's "folds_run" says how many ran.
// With a `cluster` of N > 1 ranks (every rank calls this with the same arguments), the runs,
// folds x ensemble members, are dealt out to the ranks (core/cluster/dealing.h) and each rank
// trains its share into OUT, which every rank must see (one file system); the ensembles' folds
// are then evaluated, dealt again, and the root gathers every fold's outcome and writes cv.json.
// The other ranks return an empty summary. The result equals the one-process run bit for bit
// (tests/cluster/mpi_cv_test.cpp).
// `resume` works with any number of ranks: finished runs are kept, killed ones resume.
CvSummary cross_validate(const DatasetFile& dataset, const Config& config,
                         const std::string& out_dir, TrainingObserver* observer = nullptr,
                         const std::function<void(int fold, const TrainOutcome&)>& on_fold = {},
                         int max_folds = 0, bool resume = false,
                         Cluster& cluster = single_process());

}  // namespace calmspace
