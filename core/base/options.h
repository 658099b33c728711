// Self-documenting options, after Kaldi's Register(name, &field, help): each options struct
// registers its fields once, and that one table feeds YAML parsing, `section.key=value` overrides,
// `--print-config` and `--help`. Unknown keys and ill-typed values are InputErrors naming the key.
#pragma once

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/base/error.h"

namespace calmspace {

// Name <-> value table for an enum option; the first name of a value is the one printed.
template <class E>
using EnumTable = std::vector<std::pair<std::string_view, E>>;

template <class E>
std::string enum_name(const EnumTable<E>& table, E value) {
  for (const auto& [name, v] : table)
    if (v == value) return std::string(name);
  return "?";
}

template <class E>
std::string enum_choices(const EnumTable<E>& table) {
  std::string out;
  for (const auto& [name, v] : table) out += (out.empty() ? "" : "|") + std::string(name);
  return out;
}

// Parses `text` as one of the table's names; `key` names the option in the error.
template <class E>
E parse_enum(const EnumTable<E>& table, const std::string& text, const std::string& key) {
  for (const auto& [name, v] : table)
    if (name == text) return v;
  throw InputError(key, cat("'", text, "' is not one of ", enum_choices(table)));
}

// One registered field: how to read it from YAML, write it back, and describe it.
struct OptionEntry {
  std::string name;  // key within its section, e.g. "win_ms"
  std::string type;  // "int", "float", "bool", "string", "hann|hamming|povey", ...
  std::string help;
  std::function<void(const YAML::Node&, const std::string& full_key)> set;
  std::function<YAML::Node()> get;
};

class OptionRegistry {
 public:
  template <class T>
  void add(std::string name, T* field, std::string help) {
    entries_.push_back(
        {std::move(name), type_name<T>(), std::move(help),
         [field](const YAML::Node& node, const std::string& key) { *field = decode<T>(node, key); },
         [field] { return encode(*field); }});
  }

  template <class E>
  void add_enum(std::string name, E* field, const EnumTable<E>& table, std::string help) {
    entries_.push_back({std::move(name), enum_choices(table), std::move(help),
                        [field, table](const YAML::Node& node, const std::string& key) {
                          *field = parse_enum(table, decode<std::string>(node, key), key);
                        },
                        [field, table] { return YAML::Node(enum_name(table, *field)); }});
  }

  const std::vector<OptionEntry>& entries() const { return entries_; }
  const OptionEntry* find(std::string_view name) const;

 private:
  // Floating-point values print in their shortest round-trip form (0.9, not 0.90000000000000002).
  template <class T>
  static YAML::Node encode(const T& value) {
    if constexpr (std::is_floating_point_v<T>) {
      char text[32];
      const auto result = std::to_chars(text, text + sizeof text, value);
      return YAML::Node(std::string(text, result.ptr));
    } else {
      return YAML::Node(value);
    }
  }

  // Every number is finite: no option means anything by .inf or .nan, and one let through would
  // make every output non-finite later, far from the key that caused it.
  template <class T>
  static T decode(const YAML::Node& node, const std::string& key) {
    T value;
    try {
      value = node.as<T>();
    } catch (const YAML::Exception&) {
      throw InputError(key, cat("expected ", type_name<T>(), ", got '", YAML::Dump(node), "'"));
    }
    if constexpr (std::is_floating_point_v<T>) {
      if (!std::isfinite(value))
        throw InputError(key, cat("must be a finite number, got '", YAML::Dump(node), "'"));
    } else if constexpr (std::is_same_v<T, std::vector<double>>) {
      for (double v : value)
        if (!std::isfinite(v))
          throw InputError(
              key, cat("every value must be a finite number, got '", YAML::Dump(node), "'"));
    }
    return value;
  }

  template <class T>
  static std::string type_name() {
    if constexpr (std::is_same_v<T, bool>)
      return "bool";
    else if constexpr (std::is_integral_v<T>)
      return "int";
    else if constexpr (std::is_floating_point_v<T>)
      return "float";
    else if constexpr (std::is_same_v<T, std::string>)
      return "string";
    else if constexpr (std::is_same_v<T, std::vector<std::string>>)
      return "list of strings";
    else if constexpr (std::is_same_v<T, std::vector<std::vector<std::string>>>)
      return "list of lists of strings";
    else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>)
      return "map of strings";
    else
      return "value";
  }

  std::vector<OptionEntry> entries_;
};

}  // namespace calmspace
