// The server's access log: one line per finished request, in the Common Log Format that log
// tools (GoAccess, AWStats, grep) read:
//   127.0.0.1 - - [05/Dec/2026:04:35:12 +0000] "POST /api/analyses HTTP/1.1" 201 48213 0.184
// host, no identity, no user, the UTC time the request finished, the request line (the path
// without its query string: only ids and paging live there), status, response body bytes, and
// seconds the request took (an extension at the end, as Apache's %T).
// Written by request threads at once: one line per write, under a lock, flushed.
#pragma once

#include <httplib.h>

#include <cstdio>
#include <mutex>
#include <string>

namespace calmspace::serve {

class AccessLog {
 public:
  // `path`: "-" = standard error, "" = no log, else a file opened for appending (InputError(path,
  // reason) when it cannot be).
  explicit AccessLog(const std::string& path);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  bool enabled() const { return out_ != nullptr; }
  // `seconds`: how long the request took.
  void write(const httplib::Request& req, const httplib::Response& res, double seconds);

 private:
  std::FILE* out_ = nullptr;
  bool owned_ = false;
  std::mutex mutex_;
};

// One log line (without the newline) for a request that finished at `unix_seconds`.
std::string access_log_line(const httplib::Request& req, const httplib::Response& res,
                            double seconds, long long unix_seconds);

}  // namespace calmspace::serve
