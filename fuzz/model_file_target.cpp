// Targets: a model export loaded as `predict --model X` and `serve --model X` load one:
// .safetensors (core/base/safetensors.h and the checkpoint built from it) and .onnx
// (core/export/onnx_import.h: protobuf, CalmSpace's metadata, the probe exports, the graph check).
#include <string>

#include "core/base/error.h"
#include "core/export/model_file.h"
#include "fuzz/fuzz_targets.h"
#include "fuzz/scratch_dir.h"

namespace calmspace::fuzz {
namespace {

// The bytes as a model file named `file_name` (its extension picks the reader).
void load_as(const char* file_name, Input input) {
  const std::string path = write_scratch_file(file_name, input);
  try {
    (void)load_model_checkpoint(path);
  } catch (const InputError&) {
  }
}

}  // namespace

void model_file(Input input) {
  load_as("model.safetensors", input);
}

void onnx_model(Input input) {
  load_as("model.onnx", input);
}

}  // namespace calmspace::fuzz
