// Ensembles of independently trained models (train.ensemble = N > 1). Member k is an ordinary
// run with train.seed + k (train.ensemble = 1): its own initialisation, shuffling, dropout,
// augmentation and early-stopping epoch. Predictions average the members' logits, which is the
// renormalised geometric mean of their probabilities. On a corpus as small as RAVDESS one seed's
// test UA moves by up to 0.1 from run to run; the mean of N members moves less and scores higher.
// With train.ensemble_rotate_valid, member k validates (and stops early) on the k-th fold, in
// cyclic order from the validation fold with the test fold skipped, and trains on the others, so
// the members together learn from every speaker outside the test fold (a cross-validation
// ensemble). The ensemble's validation UA is then the mean of the members' best.
// Run directory of an ensemble (core/run/run_dir.h): config.yaml (train.ensemble = N), member_<k>/
// (member k's run directory, k = 0 .. N-1) and the ensemble's report on the test split.
// `--resume` finishes what a kill left: a member with a report is done, a member with
// checkpoints/last.h5 resumes, the others start.
#pragma once

#include <string>
#include <vector>

#include "core/cluster/cluster.h"
#include "core/config/config.h"
#include "core/dataset/dataset_file.h"
#include "core/train/trainer.h"

namespace calmspace {

// Member k's config: train.seed + k, train.ensemble = 1; with train.ensemble_rotate_valid its
// validation fold as above (`dataset` gives the folds; InputError for a CSV-split dataset).
Config ensemble_member_config(const Config& config, int member, const DatasetFile& dataset);

// The ensemble's run directory with its config.yaml (train.ensemble = N, validated): what
// train_ensemble writes first, and what a resume finds.
void start_ensemble_dir(Config config, const std::string& run_dir);

// Trains the members one after another, then evaluates the ensemble on the validation and
// test splits. The outcome's best_valid_ua and test are the ensemble's; history is empty and
// best_epoch 0 (each member has its own, in its folder). With `resume`, the config stored in
// run_dir/config.yaml wins. With a `cluster` of N > 1 ranks the members are dealt out to the
// ranks (core/cluster/dealing.h); the root evaluates and returns the outcome, the other ranks an
// outcome with only run_dir and ensemble set.
TrainOutcome train_ensemble(const DatasetFile& dataset, Config config, const std::string& run_dir,
                            bool resume, TrainingObserver* observer = nullptr,
                            Cluster& cluster = single_process());

}  // namespace calmspace
