// calmspace export RUN_DIR|CHECKPOINT.h5 --format safetensors --out FILE
#include <cstdio>
#include <memory>

#include "core/model/export_safetensors.h"
#include "core/predict/model_file.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

struct ExportArgs {
  std::string model, format = "safetensors", out;
};

void add_export(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  auto* cmd = app.add_subcommand("export", "export trained weights to an open format");
  cmd->add_option("MODEL", args->model, "run directory (its best checkpoint) or checkpoint .h5")
      ->required();
  cmd->add_option("--format", args->format, "export format")->check(CLI::IsMember({"safetensors"}));
  cmd->add_option("--out", args->out, "file to write")->required();
  cmd->callback([args] {
    const Checkpoint checkpoint = load_model_checkpoint(args->model);
    export_safetensors(checkpoint, args->out);
    std::printf("exported %zu weights (%zu labels) to %s\n", checkpoint.weights.size(),
                checkpoint.labels.size(), args->out.c_str());
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(export, 70, calmspace::tools::add_export);
