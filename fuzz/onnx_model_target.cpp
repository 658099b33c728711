// Target: an ONNX model (core/export/onnx_import.h: protobuf parsing, CalmSpace's metadata, the
// probe exports and the graph comparison) loaded as `predict --model X.onnx` loads one.
#include <string>

#include "core/base/error.h"
#include "core/export/model_file.h"
#include "fuzz/fuzz_targets.h"
#include "fuzz/scratch_dir.h"

namespace calmspace::fuzz {

void onnx_model(Input input) {
  const std::string path = write_scratch_file("model.onnx", input);
  try {
    (void)load_model_checkpoint(path);
  } catch (const InputError&) {
  }
}

}  // namespace calmspace::fuzz
