// Each verb of `calmspace` lives in its own tools/cmd_<verb>.cpp and registers itself with
// CALMSPACE_VERB: a function that adds a CLI11 subcommand and sets its callback.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace calmspace::tools {

struct Verb {
  int order;  // position in `calmspace --help`
  std::function<void(CLI::App& app)> add;
};

std::vector<Verb>& verb_registry();

inline bool register_verb(Verb verb) {
  verb_registry().push_back(std::move(verb));
  return true;
}

}  // namespace calmspace::tools

#define CALMSPACE_VERB(name, order, add_fn) \
  static const bool calmspace_verb_##name = ::calmspace::tools::register_verb({order, add_fn})
