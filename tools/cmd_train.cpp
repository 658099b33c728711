// calmspace train CONFIG --data FILE.h5 --out RUN_DIR [section.key=value ...]
// calmspace train --resume RUN_DIR --data FILE.h5
// Trains a model (trainer.h describes the run directory) and prints one line per epoch.
#include <cstdio>
#include <memory>

#include "core/dataset/dataset_file.h"
#include "core/train/trainer.h"
#include "tools/config_args.h"
#include "tools/progress.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

class ConsoleObserver final : public TrainingObserver {
 public:
  void on_start(const std::string& summary) override {
    std::fprintf(stderr, "%s\n", summary.c_str());
  }
  void on_batch(int epoch, int epochs, int done, int total, double loss) override {
    epochs_ = epochs;
    progress_.batch(epoch, epochs, done, total, loss);
  }
  void on_epoch(const EpochRecord& r, bool improved) override {
    char line[320];
    std::snprintf(line, sizeof line,
                  "epoch %3d/%d  lr %.2e  train loss %.4f acc %.3f  valid loss %.4f WA %.3f UA "
                  "%.3f F1 %.3f  %.1f s (%.0f clips/s)%s",
                  r.epoch, epochs_, r.lr, r.train_loss, r.train_accuracy, r.valid_loss, r.valid_wa,
                  r.valid_ua, r.valid_macro_f1, r.seconds, r.clips_per_s,
                  improved ? "  *best" : "");
    progress_.epoch_summary(line);
  }

 private:
  Progress progress_{stderr};
  int epochs_ = 0;
};

struct TrainArgs {
  std::string data;
  std::string out;
  std::string resume;
  ConfigArgs config;
};

void add_train(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "train an emotion model from a config on a dataset file");
  cmd->add_option("CONFIG", args->config.config_path, "YAML config (e.g. configs/lstm.yaml)");
  cmd->add_option("--data", args->data, "dataset file made by `calmspace prepare`")->required();
  cmd->add_option("--out", args->out, "run directory to create");
  cmd->add_option("--resume", args->resume,
                  "continue the run in this directory from its last checkpoint");
  add_config_args(cmd, args->config);
  cmd->callback([cmd, args] {
    auto config = resolve_config_args(cmd, args->config);
    if (!config) return;
    if (args->resume.empty() == args->out.empty())
      throw InputError("train", "give exactly one of --out RUN_DIR or --resume RUN_DIR");
    const std::string run_dir = args->resume.empty() ? args->out : args->resume;
    const DatasetFile dataset(args->data);
    ConsoleObserver observer;
    const TrainOutcome outcome =
        train_model(dataset, *config, run_dir, !args->resume.empty(), &observer);
    std::printf("best epoch %d (validation UA %.4f)%s\n", outcome.best_epoch, outcome.best_valid_ua,
                outcome.stopped_early ? ", stopped early" : "");
    if (outcome.test.clips > 0)
      std::printf("test: UA %.4f  WA %.4f  macro-F1 %.4f  (%lld clips) -> %s/report.json\n",
                  outcome.test.ua, outcome.test.wa, outcome.test.macro_f1,
                  static_cast<long long>(outcome.test.clips), run_dir.c_str());
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(train, 40, calmspace::tools::add_train);
