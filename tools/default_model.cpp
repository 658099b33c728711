#include "tools/default_model.h"

#include <cstdlib>
#include <filesystem>

#include "core/base/error.h"
#include "serve/server_options.h"

namespace calmspace::tools {

std::string choose_model(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("CALMSPACE_MODEL"); env && *env) return env;
  std::string shipped = serve::default_model_path();
  if (!std::filesystem::exists(shipped))
    throw InputError(shipped,
                     "the default model is missing; pass --model RUN_DIR|FILE or set "
                     "CALMSPACE_MODEL");
  return shipped;
}

std::string model_flag_help() {
  return "run directory, checkpoint (.h5) or export (.safetensors, .onnx); default "
         "$CALMSPACE_MODEL, "
         "else " +
         serve::default_model_path();
}

}  // namespace calmspace::tools
