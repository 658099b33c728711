// The HTTP connections of `calmspace serve`, in place of cpp-httplib's accept loop, which gives a
// request no overall deadline (its 30 s read timeout restarts on every byte, so a slowloris client
// holds a thread for as long as it trickles) and cannot bound the connections of one client:
//   - accepts on the bound socket; a client address that already has max_per_address connections
//     open, or a server at max_connections, gets 503 with Retry-After at once and is closed;
//     loopback clients are this machine's own users and are bounded only in total (unless
//     bound_loopback), so a local server never locks out the person using it;
//   - serves each connection on a ConnectionPool thread (connection_pool.h): each request is read
//     through a buffered socket stream whose reads end at the request's deadline
//     (request_deadline.h: the head within grace_s, the body at min_rate) and handed to the
//     server's request processing (routes, guards, error handlers); keep-alive waits
//     keep_alive_s for the next request, up to kMaxRequestsPerConnection; writes never block for
//     longer than write_timeout_s without progress;
//   - stop() is async-signal-safe; the accept loop then ends, the connections waiting for a
//     request are woken and closed, answers being written finish, and the destructor joins.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "serve/connection_pool.h"
#include "serve/request_deadline.h"

namespace calmspace::serve {

struct ConnectionLimits {
  RequestTimeouts timeouts;
  int max_per_address = 64;     // connections one client address may hold open
  int max_connections = 1024;   // all clients together (also the threads serving them)
  bool bound_loopback = false;  // bound loopback addresses per address too (tests)
};

inline constexpr int kMaxRequestsPerConnection = 1000;

class HttpListener {
 public:
  // Reads and answers one request from `stream`; `last` asks it to close the connection after
  // it; returns false, or sets `closed`, when the connection must end.
  using ProcessRequest = std::function<bool(httplib::Stream& stream, bool last, bool& closed)>;

  // `listen_fd`: a bound, listening socket (not closed here).
  HttpListener(int listen_fd, const ConnectionLimits& limits, ProcessRequest process);
  ~HttpListener();  // stop(), then waits for the connections' threads
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  void run();   // accepts until stop()
  void stop();  // from any thread, once or more
  bool running() const { return running_; }
  int open_connections() const;
  // Blocks until open_connections() == n, or `bound` passes (a safety bound for tests).
  bool wait_open_connections(int n, std::chrono::seconds bound) const;

 private:
  bool admit(const std::string& address, int fd);
  void release(const std::string& address, int fd);
  void serve_connection(int fd);

  const int listen_fd_;
  const ConnectionLimits limits_;
  const ProcessRequest process_;
  int wake_[2] = {-1, -1};  // a pipe: stop() writes, the accept loop's poll() wakes
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::map<std::string, int> per_address_;
  std::set<int> open_;
  mutable std::condition_variable count_changed_;
  ConnectionPool pool_;
};

}  // namespace calmspace::serve
