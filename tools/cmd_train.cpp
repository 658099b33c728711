// calmspace train CONFIG --data FILE.h5 --out RUN_DIR [section.key=value ...]
// calmspace train [CONFIG] --init MODEL --data FILE.h5 --out RUN_DIR   (fine-tuning)
// calmspace train --resume RUN_DIR --data FILE.h5
// Trains a model (trainer.h describes the run directory) and prints one line per epoch; at the
// end draws RUN_DIR/plots/ (training curves, confusion matrix, per-class scores) unless --no-plots.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "core/dataset/dataset_file.h"
#include "core/plot/plot_sources.h"
#include "core/run/run_dir.h"
#include "core/train/trainer.h"
#include "tools/config_args.h"
#include "tools/console_observer.h"
#include "tools/job.h"
#include "tools/plot_hook.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

struct TrainArgs {
  std::string data;
  std::string out;
  std::string resume;
  std::string init;
  bool no_plots = false;
  bool overwrite = false;
  ConfigArgs config;
};

// A folder that already holds something: a run would be mixed with (or replace) what is there.
bool holds_files(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::exists(dir, ec) &&
         (!std::filesystem::is_directory(dir, ec) || !std::filesystem::is_empty(dir, ec));
}

void add_train(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand(
      "train",
      "train an emotion model: train [CONFIG] --data FILE.h5 --out RUN_DIR [key=value ...]");
  cmd->add_option("--data", args->data, "dataset file made by `calmspace prepare`")->required();
  cmd->add_option("--out", args->out, "run directory to create (new or empty)");
  cmd->add_flag("--overwrite", args->overwrite,
                "replace what --out already holds (otherwise an existing run is refused)");
  cmd->add_option("--resume", args->resume,
                  "continue the run in this directory from its last checkpoint");
  cmd->add_option("--init", args->init,
                  "start from this trained model (run directory, .h5, .safetensors or .onnx): "
                  "fine-tuning; same as train.init=MODEL");
  add_no_plots_flag(cmd, &args->no_plots);
  add_config_args(cmd, args->config, /*positional_config=*/true);
  cmd->callback([cmd, args] {
    if (!args->init.empty() && !args->resume.empty())
      throw InputError("--init", "a resumed run continues from its own checkpoint; drop --init");
    if (!args->init.empty())  // any path, '#' and ': ' included
      args->config.implied = {"train.init=" + yaml_quoted(args->init)};
    auto config = resolve_config_args(cmd, args->config);
    if (!config) return;
    if (args->resume.empty() == args->out.empty())
      throw InputError("train", "give exactly one of --out RUN_DIR or --resume RUN_DIR");
    const std::string run_dir = args->resume.empty() ? args->out : args->resume;
    namespace fs = std::filesystem;
    const bool fresh = args->resume.empty();
    Cluster& cluster = job();
    const bool occupied = fresh && holds_files(run_dir);
    cluster.idle_barrier();  // every rank has looked before the root clears or writes anything
    if (occupied) {
      if (!args->overwrite)
        throw InputError(run_dir,
                         "already exists and is not empty; choose a new folder, continue "
                         "the run with --resume, or replace it with --overwrite");
      if (cluster.is_root()) fs::remove_all(run_dir);
      cluster.idle_barrier();
    }
    const DatasetFile dataset(args->data);
    ConsoleObserver observer(rank_prefix());
    if (cluster.size() > 1 && cluster.is_root())
      std::printf("training on %s\n", cluster.description().c_str());
    TrainOutcome outcome;
    try {
      outcome = train_model(dataset, *config, run_dir, !fresh, &observer, cluster);
    } catch (...) {
      // A new run that failed before its first checkpoint leaves nothing behind; one with
      // checkpoints is kept (train --resume continues it).
      std::error_code ec;
      if (fresh && !fs::exists(RunDir(run_dir).last_checkpoint(), ec) &&
          !RunDir(run_dir).is_ensemble())
        fs::remove_all(run_dir, ec);
      throw;
    }
    if (!cluster.is_root()) return;
    const bool validated = !std::isnan(outcome.best_valid_ua);
    if (outcome.ensemble > 1 && validated)
      std::printf("ensemble of %d members (validation UA %.4f)\n", outcome.ensemble,
                  outcome.best_valid_ua);
    else if (outcome.ensemble > 1)
      std::printf("ensemble of %d members (no validation split)\n", outcome.ensemble);
    else if (validated)
      std::printf("best epoch %d (validation UA %.4f)%s\n", outcome.best_epoch,
                  outcome.best_valid_ua, outcome.stopped_early ? ", stopped early" : "");
    else
      std::printf("kept the last epoch, %d (no validation split)\n", outcome.best_epoch);
    if (outcome.test.clips > 0)
      std::printf("test: UA %.4f  WA %.4f  macro-F1 %.4f  (%lld clips) -> %s/report.json\n",
                  outcome.test.ua, outcome.test.wa, outcome.test.macro_f1,
                  static_cast<long long>(outcome.test.clips), run_dir.c_str());
    if (!args->no_plots) {
      const std::string plots = run_dir + "/plots";
      make_plots_or_warn("training curves, confusion, per-class", plots,
                         [&] { return plot::plot_run_dir(run_dir, plots); });
    }
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(train, 40, calmspace::tools::add_train);
