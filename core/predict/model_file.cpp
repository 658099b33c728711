#include "core/predict/model_file.h"

#include <filesystem>

#include "core/config.h"
#include "core/model/export_safetensors.h"
#include "core/train/ensemble.h"

namespace calmspace {
namespace {

namespace fs = std::filesystem;

// The YAML of the options that must match across an ensemble's members.
std::string input_options_yaml(const Checkpoint& c, const std::string& source) {
  Config config = c.config(source);
  Config inputs;
  inputs.audio = config.audio;
  inputs.features = config.features;
  return inputs.to_yaml();
}

}  // namespace

Checkpoint load_model_checkpoint(const std::string& path) {
  if (fs::is_directory(path)) {
    if (is_ensemble_run(path))
      throw InputError(path, cat("is an ensemble; give one of its members (",
                                 ensemble_member_dir(path, 0), ", ...)"));
    const fs::path best = fs::path(path) / "checkpoints" / "best.h5";
    if (!fs::exists(best)) throw InputError(path, "not a run directory (no checkpoints/best.h5)");
    return load_checkpoint(best.string());
  }
  if (!fs::exists(path)) throw InputError(path, "no such model file or run directory");
  if (fs::path(path).extension() == ".safetensors")
    return checkpoint_from_safetensors(read_safetensors(path), path);
  return load_checkpoint(path);
}

std::vector<Checkpoint> load_model_members(const std::string& path) {
  if (!fs::is_directory(path) || !is_ensemble_run(path)) return {load_model_checkpoint(path)};
  const int expected = resolve_config((fs::path(path) / "config.yaml").string(), {}).train.ensemble;
  std::vector<Checkpoint> members;
  for (int k = 0; k < expected; ++k) {
    const fs::path best = fs::path(ensemble_member_dir(path, k)) / "checkpoints" / "best.h5";
    if (!fs::exists(best))
      throw InputError(path, cat("ensemble member ", k, " of ", expected,
                                 " has no checkpoints/best.h5 (resume the training run)"));
    members.push_back(load_checkpoint(best.string()));
    const std::string source = best.string();
    if (members.back().labels != members.front().labels)
      throw InputError(source, "its labels differ from member 0's");
    if (input_options_yaml(members.back(), source) !=
        input_options_yaml(members.front(), "member 0"))
      throw InputError(source, "its audio or feature options differ from member 0's");
  }
  return members;
}

}  // namespace calmspace
