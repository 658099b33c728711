#include "core/run/run_dir.h"

#include "core/base/error.h"
#include "core/config/config.h"

namespace calmspace {

RunDir RunDir::member(int k) const {
  return RunDir(dir_ / cat("member_", k));
}

RunDir RunDir::fold(int k) const {
  return RunDir(dir_ / cat("fold_", k));
}

bool RunDir::is_ensemble() const {
  if (std::filesystem::is_directory(member(0).path())) return true;
  if (!std::filesystem::exists(config()) || std::filesystem::exists(checkpoints())) return false;
  return resolve_config(config().string(), {}).train.ensemble > 1;
}

}  // namespace calmspace
