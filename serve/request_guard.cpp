#include "serve/request_guard.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "core/base/error.h"

namespace calmspace::serve {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

bool changes_state(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

// A header value for a message: printable ASCII, at most 80 characters.
std::string shown(const std::string& value) {
  std::string out;
  for (const char c : value.substr(0, 80))
    out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  return out + (value.size() > 80 ? "..." : "");
}

}  // namespace

std::string upload_limit_message(std::size_t max_body_bytes) {
  return max_body_bytes >= (1u << 20)
             ? cat("the upload is larger than the ", max_body_bytes >> 20, " MiB limit")
             : cat("the upload is larger than the ", max_body_bytes, " byte limit");
}

RequestGuard::RequestGuard(const std::vector<std::string>& allowed_hosts,
                           std::size_t max_body_bytes)
    : max_body_bytes_(max_body_bytes) {
  for (const auto& h : allowed_hosts) allowed_hosts_.push_back(host_name(h));
}

std::string RequestGuard::host_name(const std::string& authority) {
  std::string h = lower(authority);
  if (h.starts_with("[")) {  // [v6]:port
    const auto close = h.find(']');
    h = close == std::string::npos ? h.substr(1) : h.substr(1, close - 1);
  } else if (std::count(h.begin(), h.end(), ':') == 1) {  // name:port (a bare v6 has several)
    h = h.substr(0, h.find(':'));
  }
  while (h.ends_with(".")) h.pop_back();
  return h;
}

bool RequestGuard::host_allowed(const std::string& host_header) const {
  const std::string h = host_name(host_header);
  if (h == "localhost" || h.ends_with(".localhost") || is_ip_literal(h)) return true;
  return std::find(allowed_hosts_.begin(), allowed_hosts_.end(), h) != allowed_hosts_.end();
}

GuardVerdict RequestGuard::check(const httplib::Request& req) const {
  const std::string host = req.get_header_value("Host");
  if (!host.empty() && !host_allowed(host)) {
    const std::string name = shown(host_name(host));
    return {403, cat("this server does not answer to the host name '", name,
                     "' (start it with --allow-host ", name, " to allow it)")};
  }
  const std::string site = lower(req.get_header_value("Sec-Fetch-Site"));
  const bool api = req.path.starts_with("/api/");
  if ((api || changes_state(req.method)) && (site == "cross-site" || site == "same-site"))
    return {403, "a request from another site is refused (this page's API is for its own page)"};
  if (changes_state(req.method) && req.has_header("Origin")) {
    const std::string origin = lower(req.get_header_value("Origin"));
    const auto scheme = origin.find("://");
    const std::string authority = scheme == std::string::npos ? "" : origin.substr(scheme + 3);
    if (authority.empty() || authority != lower(host))
      return {403, cat("a request from another origin ('", shown(origin),
                       "') is refused; uploads come from this server's own page")};
  }
  if (req.has_header("Content-Length")) {
    const std::string length = req.get_header_value("Content-Length");
    if (length.empty() || length.size() > 18 ||
        length.find_first_not_of("0123456789") != std::string::npos)
      return {400, cat("Content-Length '", shown(length), "' is not a byte count")};
    if (std::stoull(length) > max_body_bytes_) return {413, upload_limit_message(max_body_bytes_)};
  } else if (lower(req.get_header_value("Transfer-Encoding")).find("chunked") !=
             std::string::npos) {
    return {411, "send the upload with a Content-Length (chunked uploads are not accepted)"};
  }
  return {};
}

std::string RequestGuard::check_live_handshake(const std::string& host, const std::string& origin,
                                               int http_port) const {
  if (!host.empty() && !host_allowed(host))
    return cat("this server does not answer to the host name '", shown(host_name(host)), "'");
  if (origin.empty()) return "";
  const std::string name = host_name(host);
  const std::string page =
      cat(name.find(':') != std::string::npos ? "[" + name + "]" : name, ":", http_port);
  const std::string o = lower(origin);
  const auto scheme = o.find("://");
  const std::string authority = scheme == std::string::npos ? "" : o.substr(scheme + 3);
  if (authority != page)
    return cat("a live stream from another origin ('", shown(origin), "') is refused");
  return "";
}

}  // namespace calmspace::serve
