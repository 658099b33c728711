#include "core/export/export_safetensors.h"

#include "core/run/checkpoint_safetensors.h"

namespace calmspace {

void export_safetensors(const Checkpoint& checkpoint, const std::string& path) {
  write_safetensors(path, checkpoint_to_safetensors(checkpoint));
}

}  // namespace calmspace
