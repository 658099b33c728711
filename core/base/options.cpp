#include "core/base/options.h"

namespace calmspace {

const OptionEntry* OptionRegistry::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace calmspace
