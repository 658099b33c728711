#include "core/train/cross_validation.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/base/atomic_file.h"
#include "core/cluster/dealing.h"
#include "core/dataset/splits.h"
#include "core/run/run_dir.h"
#include "core/train/ensemble.h"
#include "core/train/outcome_json.h"

namespace calmspace {
namespace {

void mean_and_std(const std::vector<double>& v, double& mean, double& std) {
  mean = 0;
  for (double x : v) mean += x;
  mean /= v.size();
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  std = v.size() > 1 ? std::sqrt(ss / (v.size() - 1)) : 0.0;
}

// Fold k's config: its test fold, and its validation fold.
Config fold_config_of(const Config& cv_config, int k, int K) {
  Config fold_config = cv_config;
  fold_config.train.test_fold = k;
  // Leave-one-corpus-out validates on a speaker fold of the other corpora (splits.h): the one
  // train.valid_fold names (the same in every run), or the fold after the corpus index.
  fold_config.train.valid_fold =
      cv_config.data.fold_by == FoldBy::Corpus ? cv_config.train.valid_fold : (k + 1) % K;
  return fold_config;
}

// One independent training run of a cross-validation: a fold, or one member of a fold's ensemble.
struct CvRun {
  int fold = 0;
  int member = -1;  // -1: the fold is a single run
};

// Fold k of a cross-validation, trained (or resumed) in one go as one process does it.
TrainOutcome train_fold(const DatasetFile& dataset, const Config& cv_config, const RunDir& cv_dir,
                        int k, int K, bool resume, TrainingObserver* observer) {
  const RunDir fold = cv_dir.fold(k);
  const bool resume_fold =
      resume && (fold.is_ensemble() || std::filesystem::exists(fold.last_checkpoint()));
  return train_model(dataset, fold_config_of(cv_config, k, K), fold.str(), resume_fold, observer);
}

// The folds' outcomes with the runs, folds x ensemble members, dealt out to the ranks
// (core/cluster/dealing.h); on the root, the other ranks get an empty vector.
//   1. every rank trains its share of the runs: a member with a report is done when resuming,
//      one with checkpoints/last.h5 resumes; whoever trains an ensemble's member 0 writes the
//      fold's config.yaml, so that the fold resumes as an ensemble. A single-run fold's outcome
//      is the run's.
//   2. after a barrier, the ensemble folds, dealt again: each resumes with every member done,
//      so it only evaluates the ensemble, as one process does after its last member.
//   3. the root gathers every outcome (outcome_json.h: exact).
std::vector<TrainOutcome> train_folds_on_ranks(const DatasetFile& dataset, const Config& cv_config,
                                               const RunDir& cv_dir, int K, int folds_run,
                                               bool resume, TrainingObserver* observer,
                                               Cluster& cluster) {
  namespace fs = std::filesystem;
  const int members = cv_config.train.ensemble;
  std::vector<CvRun> runs;
  for (int k = 0; k < folds_run; ++k) {
    if (members > 1)
      for (int m = 0; m < members; ++m) runs.push_back({k, m});
    else
      runs.push_back({k, -1});
  }
  nlohmann::json mine = nlohmann::json::array();  // [[fold, outcome JSON], ...]
  for (const std::size_t j : my_share(runs.size(), cluster)) {
    const CvRun& r = runs[j];
    if (r.member < 0) {
      const TrainOutcome o = train_fold(dataset, cv_config, cv_dir, r.fold, K, resume, observer);
      mine.push_back({r.fold, outcome_to_json(o)});
      continue;
    }
    const Config config = fold_config_of(cv_config, r.fold, K);
    const RunDir fold = cv_dir.fold(r.fold);
    if (r.member == 0) start_ensemble_dir(config, fold.str());
    const RunDir member = fold.member(r.member);
    if (resume && fs::exists(member.report_json())) continue;
    train_model(dataset, ensemble_member_config(config, r.member, dataset), member.str(),
                resume && fs::exists(member.last_checkpoint()), observer);
  }
  cluster.idle_barrier();
  if (members > 1)
    for (const std::size_t k : my_share(static_cast<std::size_t>(folds_run), cluster)) {
      const TrainOutcome o = train_fold(dataset, cv_config, cv_dir, static_cast<int>(k), K,
                                        /*resume=*/true, /*observer=*/nullptr);
      mine.push_back({k, outcome_to_json(o)});
    }
  cluster.idle_barrier();  // a rank done early sleeps rather than spins in the gather
  const std::vector<std::string> gathered = cluster.gather(mine.dump());
  if (!cluster.is_root()) return {};
  std::vector<TrainOutcome> outcomes(static_cast<std::size_t>(folds_run));
  std::vector<char> seen(outcomes.size(), 0);
  for (const std::string& text : gathered)
    for (const auto& entry : nlohmann::json::parse(text)) {
      const auto k = entry.at(0).get<std::size_t>();
      CALMSPACE_CHECK(k < outcomes.size() && !seen[k], "fold ", k, " gathered twice or unknown");
      outcomes[k] = outcome_from_json(entry.at(1).get<std::string>());
      seen[k] = 1;
    }
  for (std::size_t k = 0; k < seen.size(); ++k)
    CALMSPACE_CHECK(seen[k], "no rank sent fold ", k, "'s outcome");
  return outcomes;
}

}  // namespace

CvSummary cross_validate(const DatasetFile& dataset, const Config& config,
                         const std::string& out_dir, TrainingObserver* observer,
                         const std::function<void(int, const TrainOutcome&)>& on_fold,
                         int max_folds, bool resume, Cluster& cluster) {
  namespace fs = std::filesystem;
  const RunDir cv_dir(out_dir);
  const fs::path stored_config = cv_dir.config();
  if (resume && !fs::exists(stored_config))
    throw InputError(out_dir, "nothing to resume: no config.yaml");
  Config cv_config = resume ? resolve_config(stored_config.string(), {}) : config;
  const FoldBy fold_by = cv_config.data.fold_by;
  const int K = num_test_folds(dataset.header(), fold_by);
  if (K < 2)
    throw InputError(dataset.path(), cat("has ", K, fold_by == FoldBy::Corpus ? " corpus" : " fold",
                                         "(s); cross-validation needs 2+"));
  std::filesystem::create_directories(out_dir);
  cv_config.validate();
  cluster.idle_barrier();  // every rank has read a stored config before the root writes it again
  if (cluster.is_root()) write_text_file_atomic(stored_config.string(), cv_config.to_yaml());
  const int run = max_folds > 0 ? std::min(max_folds, K) : K;
  const bool parallel = cluster.size() > 1;
  std::vector<TrainOutcome> gathered;
  if (parallel) {
    gathered = train_folds_on_ranks(dataset, cv_config, cv_dir, K, run, resume, observer, cluster);
    if (!cluster.is_root()) return {};
  }
  CvSummary summary;
  nlohmann::json folds = nlohmann::json::array();
  std::vector<double> ua, wa, f1;
  for (int k = 0; k < run; ++k) {
    TrainOutcome outcome = parallel
                               ? std::move(gathered[static_cast<std::size_t>(k)])
                               : train_fold(dataset, cv_config, cv_dir, k, K, resume, observer);
    const std::string run_dir = cv_dir.fold(k).str();
    ua.push_back(outcome.test.ua);
    wa.push_back(outcome.test.wa);
    f1.push_back(outcome.test.macro_f1);
    folds.push_back({{"fold", k},
                     {"name", test_fold_name(dataset.header(), fold_by, k)},
                     {"run_dir", run_dir},
                     {"best_epoch", outcome.best_epoch},
                     {"ensemble", outcome.ensemble},
                     {"best_valid_ua", outcome.best_valid_ua},
                     {"report", nlohmann::json::parse(report_json(outcome.test))}});
    if (on_fold) on_fold(k, outcome);
    summary.folds.push_back(std::move(outcome));
  }
  mean_and_std(ua, summary.ua_mean, summary.ua_std);
  mean_and_std(wa, summary.wa_mean, summary.wa_std);
  mean_and_std(f1, summary.f1_mean, summary.f1_std);
  Config resolved = cv_config;
  const nlohmann::json cv = {
      {"folds", folds},
      {"num_folds", K},
      {"folds_run", run},
      {"ua", {{"mean", summary.ua_mean}, {"std", summary.ua_std}, {"per_fold", ua}}},
      {"wa", {{"mean", summary.wa_mean}, {"std", summary.wa_std}, {"per_fold", wa}}},
      {"macro_f1", {{"mean", summary.f1_mean}, {"std", summary.f1_std}, {"per_fold", f1}}},
      {"std", "sample standard deviation over folds (n - 1)"},
      {"config", resolved.to_yaml()}};
  write_text_file_atomic(cv_dir.cv_json().string(), cv.dump(2) + "\n");
  return summary;
}

}  // namespace calmspace
