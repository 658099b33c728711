// calmspace merge A.h5 B.h5 ... --out ALL.h5 [--config F] [section.key=value...]
// Several prepared corpora -> one multi-corpus dataset file (core/dataset/merge.h), plus
// ALL.h5.report.json (label mapping and dropped clips per corpus) and ALL.h5.config.yaml.
#include <cstdio>
#include <iostream>

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/dataset/merge.h"
#include "tools/config_args.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string out;
  ConfigArgs config;
};

void add_merge(CLI::App& app) {
  auto args = std::make_shared<MergeArgs>();
  auto* cmd = app.add_subcommand(
      "merge",
      "merge prepared corpora into one multi-corpus dataset file (corpus per clip, speakers "
      "namespaced by corpus, one label set through data.label_map, folds within each corpus): "
      "calmspace merge A.h5 B.h5 ... --out ALL.h5");
  cmd->add_option("--out", args->out, "dataset file to write, e.g. all.h5")->required();
  add_config_args(cmd, args->config);
  args->config.bare_args = &args->inputs;
  cmd->callback([cmd, args] {
    args->inputs.clear();
    auto config = resolve_config_args(cmd, args->config);
    if (!config) return;
    if (args->inputs.size() < 2)
      throw InputError("merge", cat("needs at least two dataset files, got ", args->inputs.size()));
    const MergeReport report = merge_datasets(args->inputs, *config, args->out);
    write_text_file_atomic(args->out + ".report.json", report.to_json());
    write_config_beside(*config, args->out);
    for (const auto& c : report.corpora) {
      std::printf("%-10s %5lld of %5lld clips, %3d speakers", c.name.c_str(),
                  static_cast<long long>(c.clips_written), static_cast<long long>(c.clips_in),
                  c.speakers);
      for (const auto& [label, count] : c.dropped_labels)
        std::printf("; dropped %lld '%s'", static_cast<long long>(count), label.c_str());
      std::printf("\n");
    }
    std::string labels;
    for (const auto& l : report.labels) labels += (labels.empty() ? "" : " ") + l;
    std::printf("merged %lld clips (%.1f min) of %zu corpora into %s; labels: %s; %d folds\n",
                static_cast<long long>(report.clips_written), report.total_audio_s / 60.0,
                report.corpora.size(), args->out.c_str(), labels.c_str(), report.num_folds);
    std::cout << "report: " << args->out << ".report.json\n";
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(merge, 12, calmspace::tools::add_merge);
