// calmspace plot RUN_DIR|EVAL_DIR|BENCH_DIR|PREDICTIONS.json|FEATURES_BENCH.json [--out DIR]
// Draws the evaluation plots (PNG and SVG, with their gnuplot scripts and data) from what train,
// eval, bench, predict or bench/features_bench wrote (core/plot/plot_sources.h). Unlike the
// plots at the end of train/eval/bench, a missing gnuplot is an error here.
#include <cstdio>
#include <memory>

#include "core/plot/plot_sources.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

struct PlotArgs {
  std::string path, out;
};

void add_plot(CLI::App& app) {
  auto args = std::make_shared<PlotArgs>();
  auto* cmd = app.add_subcommand(
      "plot",
      "draw plots (PNG, SVG) of a run, eval or bench folder, or a prediction JSON: plot PATH");
  cmd->add_option("PATH", args->path,
                  "run or eval folder (training curves, confusion matrix, per-class scores), "
                  "bench folder (cell comparison), predict --out X.json (probabilities, pie, "
                  "timeline) or a features_bench JSON (roofline)")
      ->required();
  cmd->add_option("--out", args->out, "folder for the plots (default PATH/plots or PATH_plots)");
  cmd->callback([args] {
    const auto files = plot::plot_path(args->path, args->out);
    for (const auto& f : files) std::printf("%s\n", f.c_str());
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(plot, 65, calmspace::tools::add_plot);
