// Where a trained model comes from: a run directory (its checkpoints/best.h5), a checkpoint file
// (.h5) or an export (.safetensors). InputError(path, reason) for anything else.
#pragma once

#include <string>

#include "core/model/checkpoint.h"

namespace calmspace {

Checkpoint load_model_checkpoint(const std::string& path);

}  // namespace calmspace
