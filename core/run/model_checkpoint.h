// Between a live SequenceModel and its Checkpoint (plain data, core/model/checkpoint.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/model/sequence_model.h"
#include "core/run/checkpoint.h"

namespace calmspace {

// Input feature dimension F the config's feature options give.
int model_input_dim(const Config& config);

// A model with the checkpoint's weights and input normalisation, on the device `compute` names
// (make_sequence_model; the CPU unless told otherwise).
std::unique_ptr<SequenceModel> model_from_checkpoint(const Checkpoint& checkpoint,
                                                     const ComputeOptions& compute = {"cpu"});

// Weights, layout and normalisation of `model` plus the run's config, labels and state.
Checkpoint checkpoint_of(SequenceModel& model, Config& config,
                         const std::vector<std::string>& labels, const TrainingState& state);

}  // namespace calmspace
