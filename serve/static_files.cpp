#include "serve/static_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace calmspace::serve {

namespace fs = std::filesystem;

std::string static_mime_type(const std::string& name) {
  const std::string ext = fs::path(name).extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json") return "application/json";
  return "";
}

std::optional<StaticFile> resolve_static(const std::string& root, const std::string& url_path) {
  if (root.empty() || url_path.empty() || url_path[0] != '/') return std::nullopt;
  std::string rel = url_path == "/" ? std::string("index.html") : url_path.substr(1);
  // Every segment must be a plain name.
  std::stringstream segments(rel);
  std::string segment;
  while (std::getline(segments, segment, '/')) {
    if (segment.empty() || segment[0] == '.') return std::nullopt;
    for (char c : segment)
      if (c == '\\' || c == '\0' || static_cast<unsigned char>(c) < 0x20) return std::nullopt;
  }
  if (rel.back() == '/') return std::nullopt;
  const std::string mime = static_mime_type(rel);
  if (mime.empty()) return std::nullopt;
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  const fs::path file = fs::canonical(base / rel, ec);
  if (ec || !fs::is_regular_file(file, ec)) return std::nullopt;
  // Inside the root even after symbolic links are resolved.
  const auto [end, _] = std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (end != base.end()) return std::nullopt;
  return StaticFile{file.string(), mime};
}

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace calmspace::serve
