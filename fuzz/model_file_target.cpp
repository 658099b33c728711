// Target: a model export (.safetensors, core/base/safetensors.h and the checkpoint built from it)
// loaded as `predict --model X.safetensors` and `serve --model` load one.
#include <string>

#include "core/base/error.h"
#include "core/export/model_file.h"
#include "fuzz/fuzz_targets.h"
#include "fuzz/scratch_dir.h"

namespace calmspace::fuzz {

void model_file(Input input) {
  const std::string path = write_scratch_file("model.safetensors", input);
  try {
    (void)load_model_checkpoint(path);
  } catch (const InputError&) {
  }
}

}  // namespace calmspace::fuzz
