// Small text helpers shared by the reports, the CSV writers and the error messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace calmspace {

// `parts` with `separator` between them: join({"a", "b"}, ", ") == "a, b".
inline std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

// One CSV field per RFC 4180: quoted (quotes doubled) when it holds a comma, a quote or a line
// break, else as it is.
inline std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace calmspace
