// The model `predict` and `serve` use when no --model is given: $CALMSPACE_MODEL, else the model
// shipped in the source tree (serve::default_model_path(), models/ with its card beside it).
#pragma once

#include <string>

namespace calmspace::tools {

// `flag` when given; else $CALMSPACE_MODEL; else the shipped model. InputError when the shipped
// model is missing.
std::string choose_model(const std::string& flag);

// The --model help text: what happens without the flag.
std::string model_flag_help();

}  // namespace calmspace::tools
