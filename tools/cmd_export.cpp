// calmspace export RUN_DIR|CHECKPOINT.h5 --format safetensors|onnx --out FILE
//   safetensors: weights under PyTorch names (export_safetensors.h)
//   onnx: the whole classifier, features + lengths -> probabilities (export_onnx.h); with
//   --onnx-input audio: audio -> probabilities, the log-mel path in the graph
#include <cstdio>
#include <filesystem>
#include <memory>

#include "core/base/error.h"
#include "core/export/export_onnx.h"
#include "core/export/export_safetensors.h"
#include "core/export/model_file.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

struct ExportArgs {
  std::string model, format, out, onnx_input = "features";
};

// The format a file name asks for: ".onnx" or ".safetensors"; "" for any other extension.
std::string format_of(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".onnx") return "onnx";
  if (ext == ".safetensors") return "safetensors";
  return "";
}

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
      ->check(CLI::IsMember({"safetensors", "onnx"}));
  cmd->add_option("--out", args->out,
                  "file to write; without --format its extension (.onnx, .safetensors) decides")
      ->required();
  cmd->add_option("--onnx-input", args->onnx_input,
                  "onnx: what the model takes: features, or audio (batch, samples) float32 at the "
                  "model's sample rate with the log-mel path inside the graph")
      ->check(CLI::IsMember({"features", "audio"}));
  cmd->callback([args] {
    // The format and the file name must agree: an .onnx file of safetensors bytes helps nobody.
    const std::string by_name = format_of(args->out);
    if (args->format.empty()) args->format = by_name.empty() ? "safetensors" : by_name;
    if (!by_name.empty() && by_name != args->format)
      throw InputError(args->out, cat("is named as ", by_name, " but --format is ", args->format,
                                      "; name it ." + args->format + " or drop --format"));
    const Checkpoint checkpoint = load_model_checkpoint(args->model);
    if (args->onnx_input == "audio" && args->format != "onnx")
      throw InputError("--onnx-input", "applies to --format onnx only");
    if (args->format == "onnx")
      export_onnx(checkpoint, args->out,
                  args->onnx_input == "audio" ? OnnxInput::Audio : OnnxInput::Features);
    else
      export_safetensors(checkpoint, args->out);
    std::printf("exported %zu weights (%zu labels) as %s to %s\n", checkpoint.weights.size(),
                checkpoint.labels.size(), args->format.c_str(), args->out.c_str());
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(export, 70, calmspace::tools::add_export);
