// Target: a config file and overrides through resolve_config (core/config/config.h), as every
// command reads them: the bytes up to the first NUL are the YAML file, each line after it one
// `section.key=value` override. A resolved config is printed back (to_yaml), as runs record it.
#include <algorithm>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/config/config.h"
#include "fuzz/fuzz_targets.h"
#include "fuzz/scratch_dir.h"

namespace calmspace::fuzz {

void config(Input input) {
  const auto nul = std::find(input.begin(), input.end(), std::uint8_t{0});
  const auto yaml_size = static_cast<std::size_t>(nul - input.begin());
  std::vector<std::string> overrides;
  if (nul != input.end()) {
    std::string rest(reinterpret_cast<const char*>(input.data()) + yaml_size + 1,
                     input.size() - yaml_size - 1);
    std::size_t start = 0;
    while (start <= rest.size() && overrides.size() < 16) {
      const std::size_t end = std::min(rest.find('\n', start), rest.size());
      overrides.push_back(rest.substr(start, end - start));
      start = end + 1;
    }
  }
  const std::string path = write_scratch_file("config.yaml", input.first(yaml_size));
  try {
    Config resolved = resolve_config(path, overrides);
    (void)resolved.to_yaml();
  } catch (const InputError&) {
  }
}

}  // namespace calmspace::fuzz
