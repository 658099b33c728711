// The options every verb that reads a config shares: --config FILE, --print-config, and trailing
// `section.key=value` overrides. --help of such a verb lists every config key with its default.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/config/config.h"

namespace calmspace::tools {

struct ConfigArgs {
  std::string config_path;
  bool print_config = false;
  bool positional_config = false;  // the verb also takes the config as a bare CONFIG argument
  // Where bare arguments (no '=') go when the verb takes a list of them (`merge A.h5 B.h5`);
  // null: a bare argument is an error (or the config, with positional_config).
  std::vector<std::string>* bare_args = nullptr;
  // Overrides a verb's own options stand for (`train --init M`: train.init=M), applied before the
  // command line's, so that the config is validated with them.
  std::vector<std::string> implied;
};

// Adds --config and --print-config, accepts trailing overrides, appends the key table to --help.
// With `positional_config`, a bare argument (no '=') is the config file: `train CONFIG ...`.
void add_config_args(CLI::App* cmd, ConfigArgs& args, bool positional_config = false);

// The config file (--config, or the first bare argument with `positional_config`) and the
// overrides left on `cmd`'s command line, in order, after `args.implied`; bare arguments go to
// `args.bare_args` when the verb takes them, and anything else is an InputError naming it.
struct ConfigTokens {
  std::string config_path;
  std::vector<std::string> overrides;
};
ConfigTokens config_tokens(CLI::App* cmd, const ConfigArgs& args);

// Resolves the config from --config and the overrides left on `cmd`'s command line. With
// --print-config prints it and returns nothing: the verb should then stop.
std::optional<Config> resolve_config_args(CLI::App* cmd, const ConfigArgs& args);

// Writes the resolved config beside an output: "<output>.config.yaml".
void write_config_beside(Config& config, const std::string& output_path);

}  // namespace calmspace::tools
