#include "serve/json_response.h"

#include <fstream>
#include <sstream>

namespace calmspace::serve {

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  // Labels and file names may hold any bytes: replace invalid UTF-8 rather than throw.
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"error", message}});
}

std::string default_error_message(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 413:
      return "request too large";
    case 414:
      return "request URI too long";
    case 415:
      return "unsupported media type";
    case 416:
      return "range not satisfiable";
    case 500:
      return "internal server error";
    case 503:
      return "service unavailable";
    default:
      return "error " + std::to_string(status);
  }
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
}

}  // namespace calmspace::serve
