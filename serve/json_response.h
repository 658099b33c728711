// JSON responses: every API answer, and every error ({"error": message} with its status).
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

namespace calmspace::serve {

void send_json(httplib::Response& res, int status, const nlohmann::json& body);
void send_error(httplib::Response& res, int status, const std::string& message);

// The message for a status when a handler (or cpp-httplib itself: 413 over the upload limit,
// 404 for no route, 400 for a malformed request) set none.
std::string default_error_message(int status);

// The JSON a file of the data folder holds (model.json, voice.json), or null when it is missing
// or not JSON: such a file is ignored, and writing it again replaces it.
nlohmann::json read_json_file(const std::string& path);

}  // namespace calmspace::serve
