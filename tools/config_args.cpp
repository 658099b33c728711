#include "tools/config_args.h"

#include <iostream>

#include "core/atomic_file.h"

namespace calmspace::tools {

void add_config_args(CLI::App* cmd, ConfigArgs& args) {
  cmd->add_option("--config", args.config_path, "YAML config file (see configs/)");
  cmd->add_flag("--print-config", args.print_config, "print the resolved config and exit");
  cmd->allow_extras();
  Config defaults;
  cmd->footer("Config keys (override any as section.key=value after the arguments):\n" +
              defaults.help_table());
}

std::optional<Config> resolve_config_args(CLI::App* cmd, const ConfigArgs& args) {
  std::vector<std::string> overrides;
  for (const auto& token : cmd->remaining()) {
    if (token.empty() || token[0] == '-' || token.find('=') == std::string::npos)
      throw InputError(token, "unexpected argument (overrides look like section.key=value)");
    overrides.push_back(token);
  }
  Config config = resolve_config(args.config_path, overrides);
  if (args.print_config) {
    std::cout << config.to_yaml();
    return std::nullopt;
  }
  return config;
}

void write_config_beside(Config& config, const std::string& output_path) {
  write_text_file_atomic(output_path + ".config.yaml", config.to_yaml());
}

}  // namespace calmspace::tools
