// calmspace history export [--data DIR] --out X.csv [--holdout SHARE] [--speaker NAME]
// [--overwrite] The analyses the person labelled in the page (or through PUT
// /api/analyses/{id}/label) as a CSV manifest with the recordings as FLAC beside it
// (serve/history_export.h), ready for
//   calmspace prepare csv --root X.csv --out personal.h5 "data.labels=[...]"
// and fine-tuning (`calmspace train configs/finetune.yaml --init MODEL --data personal.h5`).
#include <cstdio>
#include <filesystem>
#include <memory>

#include "core/base/error.h"
#include "serve/history_export.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

struct HistoryArgs {
  std::string data = "calmspace-data";
  std::string out;
  serve::ExportOptions options;
};

void add_history(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("history", "the page's history of analyses: export what you labelled");
  cmd->require_subcommand(1);
  auto args = std::make_shared<HistoryArgs>();
  auto* exp = cmd->add_subcommand(
      "export", "labelled analyses -> a CSV manifest (path,label,speaker,split) and FLAC files");
  exp->add_option("--data", args->data, "the server's data directory (serve --data)");
  exp->add_option("--out", args->out, "CSV to write; the recordings go to a folder of its name")
      ->required();
  exp->add_option("--holdout", args->options.holdout,
                  "share of each label's clips marked valid (the newest), for early stopping")
      ->check(CLI::Range(0.0, 0.5));
  exp->add_option("--speaker", args->options.speaker, "speaker name in the manifest (not empty)");
  exp->add_flag("--overwrite", args->options.overwrite,
                "replace an existing CSV and its folder of recordings");
  exp->callback([args] {
    std::error_code ec;
    if (!std::filesystem::is_directory(args->data, ec))
      throw InputError(args->data,
                       "no such data directory (the folder `calmspace serve --data` uses)");
    args->options.data_dir = args->data;
    serve::HistoryStore store(args->data);
    const serve::ExportReport r = serve::export_corrections(store, args->out, args->options);
    for (const auto& [id, reason] : r.skipped)
      std::fprintf(stderr, "skipped analysis %lld: %s\n", static_cast<long long>(id),
                   reason.c_str());
    std::printf("exported %lld labelled recordings (%lld held out as valid) -> %s\n",
                static_cast<long long>(r.written), static_cast<long long>(r.held_out),
                r.manifest.c_str());
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(history, 85, calmspace::tools::add_history);
