// calmspace cv CONFIG --data FILE.h5 --out DIR [section.key=value ...]
// Speaker-independent k-fold cross-validation (core/train/cross_validation.h): DIR/fold_<k>/ runs
// and DIR/cv.json with every fold's report and the mean and standard deviation of UA, WA, F1.
#include <cstdio>
#include <memory>

#include "core/train/cross_validation.h"
#include "tools/config_args.h"
#include "tools/console_observer.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

struct CvArgs {
  std::string data, out;
  ConfigArgs config;
};

void add_cv(CLI::App& app) {
  auto args = std::make_shared<CvArgs>();
  auto* cmd = app.add_subcommand(
      "cv",
      "k-fold cross-validation by speaker: cv [CONFIG] --data FILE.h5 --out DIR [key=value ...]");
  cmd->add_option("--data", args->data, "dataset file made by `calmspace prepare`")->required();
  cmd->add_option("--out", args->out, "folder for the fold runs and cv.json")->required();
  add_config_args(cmd, args->config, /*positional_config=*/true);
  cmd->callback([cmd, args] {
    auto config = resolve_config_args(cmd, args->config);
    if (!config) return;
    const DatasetFile dataset(args->data);
    ConsoleObserver observer;
    const int K = dataset.header().num_folds;
    observer.set_prefix(cat("[fold 1/", K, "] "));
    const CvSummary s =
        cross_validate(dataset, *config, args->out, &observer, [&](int k, const TrainOutcome& o) {
          std::printf("fold %d: test UA %.4f  WA %.4f  macro-F1 %.4f  (best epoch %d)\n", k,
                      o.test.ua, o.test.wa, o.test.macro_f1, o.best_epoch);
          std::fflush(stdout);
          observer.set_prefix(cat("[fold ", k + 2, "/", K, "] "));
        });
    std::printf(
        "cv over %zu folds: UA %.4f +- %.4f  WA %.4f +- %.4f  macro-F1 %.4f +- %.4f -> "
        "%s/cv.json\n",
        s.folds.size(), s.ua_mean, s.ua_std, s.wa_mean, s.wa_std, s.f1_mean, s.f1_std,
        args->out.c_str());
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(cv, 45, calmspace::tools::add_cv);
