// A TrainOutcome as JSON and back, exactly: what one rank sends the root when a
// cross-validation's folds are finished on several ranks (cross_validation.h). Every double is
// written with 17 significant digits (nlohmann::json), so it reads back to the same bits; NaN
// (no validation split, no loss measured) travels as null.
#pragma once

#include <string>

#include "core/train/trainer.h"

namespace calmspace {

std::string outcome_to_json(const TrainOutcome& outcome);
// Error when `text` is not what outcome_to_json wrote.
TrainOutcome outcome_from_json(const std::string& text);

}  // namespace calmspace
