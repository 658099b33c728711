#include "core/train/cross_validation.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/base/atomic_file.h"
#include "core/dataset/splits.h"
#include "core/run/run_dir.h"
#include "core/train/ensemble.h"

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

}  // namespace

CvSummary cross_validate(const DatasetFile& dataset, const Config& config,
                         const std::string& out_dir, TrainingObserver* observer,
                         const std::function<void(int, const TrainOutcome&)>& on_fold,
                         int max_folds, bool resume) {
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
  write_text_file_atomic(stored_config.string(), cv_config.to_yaml());
  CvSummary summary;
  nlohmann::json folds = nlohmann::json::array();
  std::vector<double> ua, wa, f1;
  const int run = max_folds > 0 ? std::min(max_folds, K) : K;
  for (int k = 0; k < run; ++k) {
    Config fold_config = cv_config;
    fold_config.train.test_fold = k;
    // Leave-one-corpus-out validates on a speaker fold of the other corpora (splits.h): the one
    // train.valid_fold names (the same in every run), or the fold after the corpus index.
    fold_config.train.valid_fold =
        fold_by == FoldBy::Corpus ? cv_config.train.valid_fold : (k + 1) % K;
    const RunDir fold = cv_dir.fold(k);
    const std::string run_dir = fold.str();
    const bool resume_fold = resume && (fold.is_ensemble() || fs::exists(fold.last_checkpoint()));
    TrainOutcome outcome = train_model(dataset, fold_config, run_dir, resume_fold, observer);
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
