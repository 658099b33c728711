#include "core/export/model_file.h"

#include <filesystem>

#include "core/config/config.h"
#include "core/export/onnx_import.h"
#include "core/run/checkpoint_safetensors.h"
#include "core/run/run_dir.h"

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
    const RunDir run(path);
    if (run.is_ensemble())
      throw InputError(
          path, cat("is an ensemble; give one of its members (", run.member(0).str(), ", ...)"));
    if (!fs::exists(run.best_checkpoint()))
      throw InputError(path, cat("not a run directory (no ", RunDir::kBestCheckpointName, ")"));
    return load_checkpoint(run.best_checkpoint().string());
  }
  if (!fs::exists(path)) throw InputError(path, "no such model file or run directory");
  if (fs::path(path).extension() == ".onnx") return load_onnx_checkpoint(path);
  if (fs::path(path).extension() == ".safetensors")
    return checkpoint_from_safetensors(read_safetensors(path), path);
  return load_checkpoint(path);
}

std::vector<Checkpoint> load_model_members(const std::string& path) {
  const RunDir run(path);
  if (!fs::is_directory(path) || !run.is_ensemble()) return {load_model_checkpoint(path)};
  const int expected = resolve_config(run.config().string(), {}).train.ensemble;
  std::vector<Checkpoint> members;
  for (int k = 0; k < expected; ++k) {
    const fs::path best = run.member(k).best_checkpoint();
    if (!fs::exists(best))
      throw InputError(path, cat("ensemble member ", k, " of ", expected, " has no ",
                                 RunDir::kBestCheckpointName, " (resume the training run)"));
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
