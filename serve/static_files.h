// The page's files, served only from one folder. A request path is accepted only if, once
// percent-decoded (cpp-httplib decodes it), every segment is a plain name: no "..", ".", empty
// segment, backslash, NUL or leading dot; the resolved file must then lie inside the folder
// (symbolic links resolved) and have an extension with a known content type. Anything else is
// "not found": nothing outside the folder is ever read.
#pragma once

#include <optional>
#include <string>

namespace calmspace::serve {

struct StaticFile {
  std::string path;       // absolute, inside the root
  std::string mime_type;  // e.g. "text/javascript; charset=utf-8"
};

// `url_path`: the decoded request path, e.g. "/app.js"; "/" means "/index.html".
std::optional<StaticFile> resolve_static(const std::string& root, const std::string& url_path);

// The content type for a file name by its extension; "" when the extension is not served.
std::string static_mime_type(const std::string& name);

// The whole file (nullopt when it cannot be read).
std::optional<std::string> read_whole_file(const std::string& path);

}  // namespace calmspace::serve
