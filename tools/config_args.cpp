#include "tools/config_args.h"

#include <iostream>

#include "core/base/atomic_file.h"

namespace calmspace::tools {

void add_config_args(CLI::App* cmd, ConfigArgs& args, bool positional_config) {
  args.positional_config = positional_config;
  cmd->add_option("--config", args.config_path,
                  positional_config ? "YAML config file (or give it as the first bare argument)"
                                    : "YAML config file (see configs/)");
  cmd->add_flag("--print-config", args.print_config, "print the resolved config and exit");
  cmd->allow_extras();
  Config defaults;
  cmd->footer("Config keys (override any as section.key=value after the arguments):\n" +
              defaults.help_table());
}

ConfigTokens config_tokens(CLI::App* cmd, const ConfigArgs& args) {
  std::vector<std::string> overrides = args.implied;
  std::string config_path = args.config_path;
  for (const auto& token : cmd->remaining()) {
    const bool bare = !token.empty() && token[0] != '-' && token.find('=') == std::string::npos;
    if (bare && args.positional_config && config_path.empty()) {
      config_path = token;
      continue;
    }
    if (bare && args.bare_args) {
      args.bare_args->push_back(token);
      continue;
    }
    if (token.empty() || token[0] == '-' || token.find('=') == std::string::npos)
      throw InputError(token, "unexpected argument (overrides look like section.key=value)");
    overrides.push_back(token);
  }
  return {config_path, overrides};
}

std::optional<Config> resolve_config_args(CLI::App* cmd, const ConfigArgs& args) {
  const ConfigTokens tokens = config_tokens(cmd, args);
  Config config = resolve_config(tokens.config_path, tokens.overrides);
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
