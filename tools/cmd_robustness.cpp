// calmspace robustness MODEL --data FILE.h5 [--split auto|test|valid|train|all] [--out DIR]
// The model on the split's clips clean and under gain, noise, babble, telephone, codecs and
// reverberation (core/eval/robustness.h): UA and the share of unchanged predictions per condition,
// printed and written as DIR/robustness.{json,md} with DIR/plots/robustness.{png,svg}.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "core/base/atomic_file.h"
#include "core/eval/robustness.h"
#include "core/export/model_file.h"
#include "core/plot/figures.h"
#include "tools/plot_hook.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

struct RobustnessArgs {
  std::string model, data, split = "auto", out;
  bool no_plots = false, quick = false;
  RobustnessOptions options;
};

void add_robustness(CLI::App& app) {
  auto args = std::make_shared<RobustnessArgs>();
  auto* cmd = app.add_subcommand(
      "robustness",
      "how a model holds up: UA and unchanged predictions under gain, noise, babble, telephone "
      "band, browser codecs and room reverberation");
  cmd->add_option("MODEL", args->model, "run directory (or ensemble), checkpoint (.h5) or export")
      ->required();
  cmd->add_option("--data", args->data, "dataset file made by `calmspace prepare` or `merge`")
      ->required();
  cmd->add_option("--split", args->split,
                  "test, valid, train (the model's folds), all, or auto: all for another corpus, "
                  "else test");
  cmd->add_option("--out", args->out, "folder for robustness.json, robustness.md and plots/");
  cmd->add_option("--threads", args->options.threads, "threads; 0 = all cores")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--seed", args->options.seed, "seed of the noise, babble and rooms");
  cmd->add_flag("--quick", args->quick,
                "gain and white noise only (no babble, phone, codecs, "
                "rooms)");
  add_no_plots_flag(cmd, &args->no_plots);
  cmd->callback([args] {
    namespace fs = std::filesystem;
    RobustnessOptions options = args->options;
    if (args->quick) {
      options.babble_talkers = 0;
      options.telephone = options.codecs = options.reverb = false;
    }
    const std::vector<Checkpoint> members = load_model_members(args->model);
    const DatasetFile dataset(args->data);
    std::printf("%-26s %6s %6s %10s\n", "condition", "UA", "WA", "unchanged");
    RobustnessReport report =
        run_robustness(dataset, members, args->split, options, [](const ConditionResult& r) {
          std::printf("%-26s %6.3f %6.3f %9.1f%%\n", r.name.c_str(), r.ua, r.wa, 100 * r.unchanged);
          std::fflush(stdout);
        });
    report.model = args->model;
    report.data = args->data;
    const fs::path base =
        fs::is_directory(args->model) ? fs::path(args->model) : fs::path(args->model).parent_path();
    const fs::path out =
        args->out.empty() ? base / ("robustness_" + report.split) : fs::path(args->out);
    fs::create_directories(out);
    write_text_file_atomic((out / "robustness.json").string(), report.to_json());
    write_text_file_atomic((out / "robustness.md").string(), report.to_markdown());
    std::printf(
        "%zu clips, %zu conditions in %.1f s -> %s\n",
        static_cast<std::size_t>(report.conditions.empty() ? 0 : report.conditions[0].clips),
        report.conditions.size(), report.seconds, (out / "robustness.json").c_str());
    if (!args->no_plots) {
      const std::string plots = (out / "plots").string();
      make_plots_or_warn("robustness", plots, [&] {
        return plot::render(
            plot::robustness_chart(
                report, "Robustness of " + fs::path(args->model).filename().string() + " on " +
                            fs::path(args->data).filename().string() + " (" + report.split + ")"),
            plots);
      });
    }
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(robustness, 55, calmspace::tools::add_robustness);
