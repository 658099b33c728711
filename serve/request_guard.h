// Who may talk to the server, checked before a request's body is read (issue 20).
//   Host: loopback names (localhost, *.localhost), IP literals, and the names given with
//     --allow-host. A DNS-rebinding page reaches 127.0.0.1 under its own domain name, which is
//     refused, so it cannot read stored recordings.
//   Cross-site: a browser request under /api/ from another site (Sec-Fetch-Site cross-site or
//     same-site), and any request that changes something (not GET, HEAD, OPTIONS) whose Origin is
//     not this server's own ("null" included), is refused (CSRF). Clients that send neither header
//     (curl, scripts) are not browsers and pass.
//   Body: a Content-Length that is not a byte count (400) or over the upload limit (413) is
//     answered at once, never read; an upload without a length (chunked) gets 411.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <string>
#include <vector>

namespace calmspace::serve {

struct GuardVerdict {
  int status = 0;       // 0: the request may go on; else the HTTP status to answer with
  std::string message;  // one line for the JSON error
};

class RequestGuard {
 public:
  // `allowed_hosts`: extra names for the Host header (--allow-host), any case.
  RequestGuard(const std::vector<std::string>& allowed_hosts, std::size_t max_body_bytes);

  GuardVerdict check(const httplib::Request& req) const;
  // Whether a Host header names this server (loopback names, IP literals, --allow-host names).
  bool host_allowed(const std::string& host_header) const;
  // The live socket's handshake (live_socket.h), on its own port: "" when its Host is allowed and
  // its Origin, if any (browsers always send one), is this server's page, the Host's name at
  // `http_port`; else why not.
  std::string check_live_handshake(const std::string& host, const std::string& origin,
                                   int http_port) const;

  // The host of a Host header or an Origin's authority, lower case, without port, brackets or a
  // trailing dot: "LocalHost:8080" -> "localhost", "[::1]:80" -> "::1".
  static std::string host_name(const std::string& authority);

 private:
  std::vector<std::string> allowed_hosts_;
  std::size_t max_body_bytes_;
};

// "the upload is larger than the 32 MiB limit" (bytes below 1 MiB).
std::string upload_limit_message(std::size_t max_body_bytes);

}  // namespace calmspace::serve
