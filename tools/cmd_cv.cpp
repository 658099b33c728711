// calmspace cv CONFIG --data FILE.h5 --out DIR [section.key=value ...]
// calmspace cv --resume DIR --data FILE.h5
// Speaker-independent k-fold cross-validation (core/train/cross_validation.h): DIR/fold_<k>/ runs
// and DIR/cv.json with every fold's report and the mean and standard deviation of UA, WA, F1.
#include <cstdio>
#include <memory>

#include "core/dataset/splits.h"
#include "core/train/cross_validation.h"
#include "tools/config_args.h"
#include "tools/console_observer.h"
#include "tools/job.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

struct CvArgs {
  std::string data, out, resume;
  ConfigArgs config;
};

void add_cv(CLI::App& app) {
  auto args = std::make_shared<CvArgs>();
  auto* cmd = app.add_subcommand(
      "cv",
      "k-fold cross-validation by speaker (or leave-one-corpus-out with data.fold_by=corpus): "
      "cv [CONFIG] --data FILE.h5 --out DIR [key=value ...]");
  cmd->add_option("--data", args->data, "dataset file made by `calmspace prepare`")->required();
  cmd->add_option("--out", args->out, "folder for the fold runs and cv.json");
  cmd->add_option("--resume", args->resume,
                  "continue a killed cross-validation in this folder (its stored config wins)");
  add_config_args(cmd, args->config, /*positional_config=*/true);
  cmd->callback([cmd, args] {
    auto config = resolve_config_args(cmd, args->config);
    if (!config) return;
    if (args->resume.empty() == args->out.empty())
      throw InputError("cv", "give exactly one of --out DIR or --resume DIR");
    const std::string out = args->resume.empty() ? args->out : args->resume;
    const DatasetFile dataset(args->data);
    ConsoleObserver observer;
    const FoldBy fold_by = config->data.fold_by;
    const int K = num_test_folds(dataset.header(), fold_by);
    Cluster& cluster = job();
    // With several ranks each line names its rank (its runs are dealt, core/cluster/dealing.h).
    auto prefix = [&](int k) {
      if (cluster.size() > 1) return rank_prefix();
      return cat("[fold ", k + 1, "/", K, ": ", test_fold_name(dataset.header(), fold_by, k), "] ");
    };
    observer.set_prefix(prefix(0));
    if (cluster.size() > 1 && cluster.is_root())
      std::printf("cross-validation over %d folds on %s\n", K, cluster.description().c_str());
    const CvSummary s = cross_validate(
        dataset, *config, out, &observer,
        [&](int k, const TrainOutcome& o) {
          const std::string how =
              o.ensemble > 1 ? cat("ensemble of ", o.ensemble) : cat("best epoch ", o.best_epoch);
          std::printf("fold %d (%s): test UA %.4f  WA %.4f  macro-F1 %.4f  (%s)\n", k,
                      test_fold_name(dataset.header(), fold_by, k).c_str(), o.test.ua, o.test.wa,
                      o.test.macro_f1, how.c_str());
          std::fflush(stdout);
          observer.set_prefix(prefix(k + 1));
        },
        /*max_folds=*/0, /*resume=*/!args->resume.empty(), cluster);
    if (!cluster.is_root()) return;
    std::printf(
        "cv over %zu folds: UA %.4f +- %.4f  WA %.4f +- %.4f  macro-F1 %.4f +- %.4f -> "
        "%s/cv.json\n",
        s.folds.size(), s.ua_mean, s.ua_std, s.wa_mean, s.wa_std, s.f1_mean, s.f1_std, out.c_str());
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(cv, 45, calmspace::tools::add_cv);
