#include "core/config/sweep.h"

#include <set>

#include "core/base/error.h"
#include "core/base/text.h"

namespace calmspace {
namespace {

// `value` split at commas at nesting depth 0 (outside [], {} and quotes).
std::vector<std::string> top_level_items(const std::string& value) {
  std::vector<std::string> items(1);
  int depth = 0;
  char quote = 0;
  for (const char c : value) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if ((c == '\'' || c == '"') && depth == 0 &&
               items.back().find_first_not_of(' ') == std::string::npos) {
      quote = c;  // a YAML quoted scalar: only at the start of an item (bob's.h5 is no quote)
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (c == ',' && depth == 0) {
      items.emplace_back();
      continue;
    }
    items.back() += c;
  }
  return items;
}

}  // namespace

SweepSpec parse_sweep(std::span<const std::string> overrides) {
  SweepSpec spec;
  std::set<std::string> swept;
  for (const std::string& token : overrides) {
    const auto eq = token.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError(token, "not an override (section.key=value or section.key=v1,v2,...)");
    const std::string key = token.substr(0, eq);
    std::vector<std::string> items = top_level_items(token.substr(eq + 1));
    if (items.size() == 1) {
      spec.fixed.push_back(token);
      continue;
    }
    for (const std::string& item : items)
      if (item.empty()) throw InputError(token, "an empty value in the list of values to sweep");
    if (!swept.insert(key).second)
      throw InputError(token, cat("'", key, "' is swept twice; list all its values once"));
    spec.axes.push_back({key, std::move(items)});
  }
  if (spec.axes.empty())
    throw InputError("sweep", "nothing to sweep: give at least one section.key=v1,v2,...");
  for (const std::string& token : spec.fixed)
    if (swept.contains(token.substr(0, token.find('='))))
      throw InputError(token, "this key is also swept; give it once, as the list of its values");
  return spec;
}

std::vector<std::vector<std::string>> sweep_points(std::span<const SweepAxis> axes) {
  std::size_t total = 1;
  for (const SweepAxis& axis : axes) {
    total *= axis.values.size();
    if (total > kMaxSweepPoints)
      throw InputError("sweep", cat("more than ", kMaxSweepPoints,
                                    " points; sweep fewer values or split the sweep"));
  }
  std::vector<std::vector<std::string>> points(total);
  for (std::size_t p = 0; p < total; ++p) {
    std::size_t rest = p;
    // The last axis varies fastest: peel indices from the back.
    std::vector<std::string> point(axes.size());
    for (std::size_t a = axes.size(); a-- > 0;) {
      const std::size_t n = axes[a].values.size();
      point[a] = axes[a].key + "=" + axes[a].values[rest % n];
      rest /= n;
    }
    points[p] = std::move(point);
  }
  return points;
}

}  // namespace calmspace
