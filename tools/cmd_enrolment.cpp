// calmspace enrolment MODEL --data FILE.h5 [--split auto] [--label neutral] [--clips 1,2,4]
//     [--out FILE.json] [--threads N]
// What voice enrolment buys a model trained with speaker-level normalisation
// (core/eval/enrolment.h): UA with each clip's own statistics, with the speaker's statistics from
// N clips of --label, and with all the speaker's clips, on the same scored clips. Prints a table;
// --out writes it as JSON.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

#include "core/base/atomic_file.h"
#include "core/base/text.h"
#include "core/eval/enrolment.h"
#include "core/export/model_file.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

struct EnrolmentArgs {
  std::string model, data, out;
  std::string split = "auto";
  std::string label = "neutral";
  std::vector<int> clips = {1, 2, 4};
  int threads = 0;
};

void add_enrolment(CLI::App& app) {
  auto args = std::make_shared<EnrolmentArgs>();
  auto* cmd = app.add_subcommand(
      "enrolment", "what a speaker's enrolment statistics buy a speaker-normalised model");
  cmd->add_option("MODEL", args->model, "run directory, checkpoint (.h5) or export")->required();
  cmd->add_option("--data", args->data, "dataset file made by `calmspace prepare`")->required();
  cmd->add_option("--split", args->split, "test, valid, train, all, or auto (as eval)");
  cmd->add_option("--label", args->label, "the emotion of the enrolment clips");
  cmd->add_option("--clips", args->clips, "enrolment clips per speaker to compare")
      ->delimiter(',')
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--out", args->out, "JSON file for the table");
  cmd->add_option("--threads", args->threads, "threads; 0 = all cores")->check(CLI::Range(0, 1024));
  cmd->callback([args] {
    const Checkpoint model = load_model_checkpoint(args->model);
    const DatasetFile dataset(args->data);
    const EnrolmentComparison c = compare_enrolment(dataset, model, args->model, args->split,
                                                    args->label, args->clips, args->threads);
    std::printf("%zu speakers of the '%s' split, enrolment from their '%s' clips\n",
                c.speakers.size(), c.split.c_str(), c.label.c_str());
    if (!c.speakers_left_out.empty())
      std::printf("left out (too few '%s' clips): %s\n", c.label.c_str(),
                  join(c.speakers_left_out, " ").c_str());
    if (!c.classes_left_out.empty())
      std::printf("classes not scored (not in the data): %s\n",
                  join(c.classes_left_out, " ").c_str());
    std::printf("%-12s %8s %8s %8s %8s\n", "statistics", "UA", "WA", "F1", "clips");
    nlohmann::json rows = nlohmann::json::array();
    for (const EnrolmentCondition& k : c.conditions) {
      std::printf("%-12s %8.4f %8.4f %8.4f %8lld\n", k.name.c_str(), k.metrics.ua, k.metrics.wa,
                  k.metrics.macro_f1, static_cast<long long>(k.metrics.clips));
      rows.push_back({{"statistics", k.name},
                      {"enrolment_clips", k.clips},
                      {"ua", k.metrics.ua},
                      {"wa", k.metrics.wa},
                      {"macro_f1", k.metrics.macro_f1},
                      {"clips", k.metrics.clips}});
    }
    if (args->out.empty()) return;
    const nlohmann::json j = {{"model", args->model},
                              {"data", args->data},
                              {"split", c.split},
                              {"label", c.label},
                              {"speakers", c.speakers},
                              {"speakers_left_out", c.speakers_left_out},
                              {"classes_left_out", c.classes_left_out},
                              {"conditions", rows}};
    write_text_file_atomic(args->out, j.dump(2) + "\n");
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(enrolment, 57, calmspace::tools::add_enrolment);
