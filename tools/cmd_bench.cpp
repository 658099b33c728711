// calmspace bench [CONFIG] --data FILE.h5 --out DIR [--cells rnn,lstm,gru] [--folds N]
//                 [--peer-json PEER.json ...] [--no-plots] [section.key=value ...]
// Trains every cell from one recipe on the same speaker-independent folds and compares accuracy
// and cost (core/bench/cell_comparison.h): DIR/bench.json, DIR/bench.md, DIR/<cell>/ runs and
// DIR/plots/. --peer-json adds a PyTorch peer's figures (bench/peers/torch_cells.py) and the
// CalmSpace / PyTorch ratios (core/bench/peer_comparison.h); each file is checked before training.
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/base/gpu_runtime.h"
#include "core/bench/cell_comparison.h"
#include "core/bench/machine_info.h"
#include "core/bench/peer_comparison.h"
#include "core/plot/plot_sources.h"
#include "tools/config_args.h"
#include "tools/console_observer.h"
#include "tools/job.h"
#include "tools/plot_hook.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

struct BenchArgs {
  std::string data, out, cells = "rnn,lstm,gru";
  std::vector<std::string> peer_json;
  int folds = 0;
  bool no_plots = false;
  ConfigArgs config;
};

// This process's command line, arguments separated by spaces.
std::string command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (char& c : all)
    if (c == '\0') c = ' ';
  while (!all.empty() && all.back() == ' ') all.pop_back();
  return all;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

void add_bench(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand(
      "bench",
      "train rnn, lstm and gru from one recipe on the same speaker-independent folds and compare "
      "accuracy, speed and size: bench [CONFIG] --data FILE.h5 --out DIR [key=value ...]");
  cmd->add_option("--data", args->data, "dataset file made by `calmspace prepare`")->required();
  cmd->add_option("--out", args->out, "folder for bench.json, bench.md, plots and the runs")
      ->required();
  cmd->add_option("--cells", args->cells, "comma-separated cells to compare");
  cmd->add_option("--folds", args->folds, "run only the first N folds (0 = all)");
  cmd->add_option("--peer-json", args->peer_json,
                  "a bench/peers/torch_cells.py result on the same recipe and data: adds PyTorch's "
                  "clips/s and the CalmSpace / PyTorch ratios (repeatable)")
      ->allow_extra_args(false);  // one file per --peer-json; overrides may follow
  add_no_plots_flag(cmd, &args->no_plots);
  add_config_args(cmd, args->config, /*positional_config=*/true);
  cmd->callback([cmd, args] {
    auto config = resolve_config_args(cmd, args->config);
    if (!config) return;
    const DatasetFile dataset(args->data);
    CellComparisonOptions options;
    options.cells = split_commas(args->cells);
    options.max_folds = args->folds;
    options.command = command_line();
    options.machine = machine_record(config->train.num_threads, gpu_runtime_report());
    for (const auto& path : args->peer_json)
      options.peers.push_back(load_peer_result(path, dataset, *config, options.cells));
    options.cluster = &job();
    const bool parallel = job().size() > 1;
    ConsoleObserver observer(rank_prefix());
    const int K = dataset.header().num_folds;
    const int run = args->folds > 0 ? std::min(args->folds, K) : K;
    if (!parallel)
      observer.set_prefix(
          cat("[", options.cells.empty() ? "?" : options.cells.front(), " fold 1/", run, "] "));
    std::size_t cell_index = 0;
    const auto bench = compare_cells(
        dataset, *config, options, args->out, &observer,
        [&](const std::string& cell, int k, const TrainOutcome& o) {
          std::printf("%s fold %d: test UA %.4f  WA %.4f  macro-F1 %.4f  (best epoch %d)\n",
                      cell.c_str(), k, o.test.ua, o.test.wa, o.test.macro_f1, o.best_epoch);
          std::fflush(stdout);
          if (k + 1 == run) ++cell_index;
          const int next = (k + 1) % run;
          if (!parallel && cell_index < options.cells.size())
            observer.set_prefix(
                cat("[", options.cells[cell_index], " fold ", next + 1, "/", run, "] "));
        });
    if (!job().is_root()) return;
    std::printf("%s", bench_markdown(bench).c_str());
    std::printf("-> %s/bench.json, %s/bench.md\n", args->out.c_str(), args->out.c_str());
    if (!args->no_plots) {
      const std::string plots = args->out + "/plots";
      make_plots_or_warn("cell comparison", plots,
                         [&] { return plot::plot_bench_dir(args->out, plots); });
    }
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(bench, 47, calmspace::tools::add_bench);
