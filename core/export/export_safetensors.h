// `calmspace export --format safetensors`: a checkpoint as a safetensors model file (what it holds:
// core/run/checkpoint_safetensors.h), written atomically.
#pragma once

#include <string>

#include "core/run/checkpoint.h"

namespace calmspace {

void export_safetensors(const Checkpoint& checkpoint, const std::string& path);

}  // namespace calmspace
