#include "serve/access_log.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "core/base/error.h"

namespace calmspace::serve {

AccessLog::AccessLog(const std::string& path) {
  if (path.empty()) return;
  if (path == "-") {
    out_ = stderr;
    return;
  }
  out_ = std::fopen(path.c_str(), "a");
  if (!out_) throw InputError(path, cat("cannot open the access log: ", std::strerror(errno)));
  owned_ = true;
}

AccessLog::~AccessLog() {
  if (owned_) std::fclose(out_);
}

std::string access_log_line(const httplib::Request& req, const httplib::Response& res,
                            double seconds, long long unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char when[40];
  std::strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &utc);
  // The request line as the client sent it, without the query; quotes and control characters
  // in a hostile path are escaped so that one request stays one line.
  std::string line = req.method + " ";
  for (char ch : req.path) {
    const auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f || ch == '"' || ch == '\\') {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", u);
      line += esc;
    } else {
      line += ch;
    }
  }
  line += " " + (req.version.empty() ? std::string("HTTP/1.1") : req.version);
  char tail[64];
  std::snprintf(tail, sizeof tail, "\" %d %zu %.3f", res.status, res.body.size(), seconds);
  return (req.remote_addr.empty() ? "-" : req.remote_addr) + " - - [" + when + "] \"" + line + tail;
}

void AccessLog::write(const httplib::Request& req, const httplib::Response& res, double seconds) {
  if (!out_) return;
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  const std::string line = access_log_line(req, res, seconds, now) + "\n";
  const std::lock_guard<std::mutex> lock(mutex_);
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
}

}  // namespace calmspace::serve
