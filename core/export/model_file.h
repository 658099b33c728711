// Where a trained model comes from: a run directory (its checkpoints/best.h5), a checkpoint file
// (.h5) or an export (.safetensors, or .onnx as CalmSpace's exporter wrote it: onnx_import.h);
// or, for the commands that predict, an ensemble's run directory (core/train/ensemble.h): every
// member's best checkpoint. InputError(path, reason) for anything else.
#pragma once

#include <string>
#include <vector>

#include "core/run/checkpoint.h"

namespace calmspace {

// One model. An ensemble's run directory is an InputError that names its members.
Checkpoint load_model_checkpoint(const std::string& path);

// The model's members: one checkpoint, or each member of an ensemble in order. Members must
// agree on labels and on the audio and feature options (one feature pass serves them all).
std::vector<Checkpoint> load_model_members(const std::string& path);

}  // namespace calmspace
