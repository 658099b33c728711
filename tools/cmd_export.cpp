// calmspace export RUN_DIR|CHECKPOINT.h5 --format safetensors|onnx --out FILE
//   safetensors: weights under PyTorch names (export_safetensors.h)
//   onnx: the whole classifier, features + lengths -> probabilities (export_onnx.h)
#include <cstdio>
#include <memory>

#include "core/export/export_onnx.h"
#include "core/export/export_safetensors.h"
#include "core/run/model_file.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

struct ExportArgs {
  std::string model, format = "safetensors", out;
};

void add_export(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  auto* cmd = app.add_subcommand(
      "export", "export a trained model: safetensors weights or an ONNX classifier");
  cmd->add_option("MODEL", args->model, "run directory (its best checkpoint) or checkpoint .h5")
      ->required();
  cmd->add_option("--format", args->format,
                  "safetensors: weights under PyTorch names + metadata; onnx: the classifier "
                  "(inputs features (batch, time, F) float32 and lengths (batch) int32, output "
                  "probabilities (batch, C)) for onnxruntime, opset 17")
      ->check(CLI::IsMember({"safetensors", "onnx"}))
      ->capture_default_str();
  cmd->add_option("--out", args->out, "file to write")->required();
  cmd->callback([args] {
    const Checkpoint checkpoint = load_model_checkpoint(args->model);
    if (args->format == "onnx")
      export_onnx(checkpoint, args->out);
    else
      export_safetensors(checkpoint, args->out);
    std::printf("exported %zu weights (%zu labels) as %s to %s\n", checkpoint.weights.size(),
                checkpoint.labels.size(), args->format.c_str(), args->out.c_str());
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(export, 70, calmspace::tools::add_export);
