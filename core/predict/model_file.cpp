#include "core/predict/model_file.h"

#include <filesystem>

#include "core/model/export_safetensors.h"

namespace calmspace {

Checkpoint load_model_checkpoint(const std::string& path) {
  namespace fs = std::filesystem;
  if (fs::is_directory(path)) {
    const fs::path best = fs::path(path) / "checkpoints" / "best.h5";
    if (!fs::exists(best)) throw InputError(path, "not a run directory (no checkpoints/best.h5)");
    return load_checkpoint(best.string());
  }
  if (!fs::exists(path)) throw InputError(path, "no such model file or run directory");
  if (fs::path(path).extension() == ".safetensors")
    return checkpoint_from_safetensors(read_safetensors(path), path);
  return load_checkpoint(path);
}

}  // namespace calmspace
