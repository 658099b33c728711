// calmspace prepare ravdess|tess|csv --root PATH --out FILE.h5 [--config F] [section.key=value...]
// Lists the corpus, decodes every clip (in parallel), writes the dataset file (schema in
// datasets/README.md) plus FILE.h5.report.json (skipped files, counts) and FILE.h5.config.yaml.
#include <cstdio>
#include <iostream>

#include "core/base/atomic_file.h"
#include "core/dataset/corpus.h"
#include "core/dataset/prepare.h"
#include "tools/config_args.h"
#include "tools/verb.h"

namespace {

struct PrepareArgs {
  std::string corpus;
  std::string root;
  std::string out;
  calmspace::tools::ConfigArgs config;
};

void add_prepare(CLI::App& app) {
  auto args = std::make_shared<PrepareArgs>();
  auto* cmd = app.add_subcommand(
      "prepare", "decode a corpus (RAVDESS, TESS or a CSV manifest) into an HDF5 dataset file");
  cmd->add_option("corpus", args->corpus, "corpus kind: ravdess, tess or csv")
      ->required()
      ->check(CLI::IsMember(calmspace::corpus_kinds()));
  cmd->add_option("--root", args->root,
                  "corpus folder (ravdess, tess) or the CSV manifest file (csv)")
      ->required();
  cmd->add_option("--out", args->out, "dataset file to write, e.g. ravdess.h5")->required();
  calmspace::tools::add_config_args(cmd, args->config);
  cmd->callback([cmd, args] {
    auto config = calmspace::tools::resolve_config_args(cmd, args->config);
    if (!config) return;
    const auto listing = calmspace::list_corpus(args->corpus, args->root);
    const auto report = calmspace::prepare_dataset(
        listing, *config, args->out, [](const std::string& line) { std::cerr << line << "\n"; });
    calmspace::write_text_file_atomic(args->out + ".report.json", report.to_json());
    calmspace::tools::write_config_beside(*config, args->out);
    const std::size_t skipped = report.skipped_by_name.size() + report.skipped_by_decode.size();
    char summary[512];
    std::snprintf(summary, sizeof summary,
                  "prepared %lld clips (%.1f min at %d Hz) from %s into %s in %.1f s on %d "
                  "threads; skipped %zu (%zu by name, %zu failed to decode)",
                  static_cast<long long>(report.clips_written), report.total_audio_s / 60.0,
                  config->audio.sample_rate, report.corpus.c_str(), args->out.c_str(),
                  report.elapsed_s, report.threads, skipped, report.skipped_by_name.size(),
                  report.skipped_by_decode.size());
    std::cout << summary << "\nreport: " << args->out << ".report.json\n";
  });
}

}  // namespace

CALMSPACE_VERB(prepare, 10, add_prepare);
