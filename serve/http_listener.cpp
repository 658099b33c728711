#include "serve/http_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

namespace calmspace::serve {

namespace {

using Clock = RequestDeadline::Clock;

// Waits up to `ms` for `events` on `fd`; false on timeout, error or hang-up without data.
bool wait_for(int fd, short events, int ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, ms);
    if (n < 0 && errno == EINTR) continue;
    return n > 0 && (p.revents & (events | POLLHUP));
  }
}

std::string numeric_address(const sockaddr_storage& a) {
  char text[INET6_ADDRSTRLEN] = "";
  if (a.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(a).sin_addr, text, sizeof text);
  else if (a.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(a).sin6_addr, text, sizeof text);
  return text;
}

int port_of(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return 0;
}

bool is_loopback(const std::string& address) {
  return address.starts_with("127.") || address == "::1" || address.starts_with("::ffff:127.");
}

// A connection's socket as cpp-httplib's Stream. Reads come from a buffer refilled by one recv()
// of up to 4 KB (cpp-httplib reads a request head byte by byte), each within the current
// request's deadline; bytes past one request stay for the next (pipelining). Writes send what
// the socket takes without blocking and fail after write_timeout_s without progress.
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(int fd, const RequestTimeouts& timeouts)
      : fd_(fd), timeouts_(timeouts), deadline_(timeouts, Clock::now()) {}

  void begin_request() { deadline_ = RequestDeadline(timeouts_, Clock::now()); }
  bool has_buffered() const { return next_ < buffered_; }

  bool is_readable() const override {
    return has_buffered() || wait_for(fd_, POLLIN, deadline_.milliseconds_left(Clock::now()));
  }
  bool is_writable() const override { return wait_for(fd_, POLLOUT, write_ms()); }

  ssize_t read(char* ptr, size_t size) override {
    if (!has_buffered() && !refill()) return -1;  // time is up, the peer is gone, or an error
    const std::size_t n = std::min(size, buffered_ - next_);
    std::memcpy(ptr, buffer_.data() + next_, n);
    next_ += n;
    deadline_.received({ptr, n}, Clock::now());
    if (deadline_.head_too_large()) return -1;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    size_t sent = 0;
    while (sent < size) {
      const ssize_t n = ::send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!wait_for(fd_, POLLOUT, write_ms())) return -1;  // the client stopped reading
      } else {
        return -1;
      }
    }
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    endpoint(getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    endpoint(getsockname, ip, port);
  }
  socket_t socket() const override { return fd_; }

 private:
  bool refill() {
    for (;;) {
      if (!wait_for(fd_, POLLIN, deadline_.milliseconds_left(Clock::now()))) return false;
      const ssize_t n = ::recv(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
      if (n > 0) {
        next_ = 0;
        buffered_ = static_cast<std::size_t>(n);
        return true;
      }
      if (n == 0) return false;  // the peer closed
      if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    }
  }
  int write_ms() const { return static_cast<int>(timeouts_.write_timeout_s * 1000); }
  // The address of one end of the connection: `name` is getpeername or getsockname.
  void endpoint(int (*name)(int, sockaddr*, socklen_t*), std::string& ip, int& port) const {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    name(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    ip = numeric_address(a);
    port = port_of(a);
  }

  int fd_;
  RequestTimeouts timeouts_;
  RequestDeadline deadline_;
  std::array<char, 4096> buffer_{};
  std::size_t next_ = 0, buffered_ = 0;
};

// The answer to a client past its bound: sent without waiting (the socket buffer takes it).
void refuse(int fd, const std::string& reason) {
  const std::string body = "{\"error\": \"" + reason + "\"}";
  const std::string response =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  (void)::send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

}  // namespace

HttpListener::HttpListener(int listen_fd, const ConnectionLimits& limits, ProcessRequest process)
    : listen_fd_(listen_fd),
      limits_(limits),
      process_(std::move(process)),
      pool_(limits.max_connections) {
  if (::pipe2(wake_, O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
}

HttpListener::~HttpListener() {
  stop();
  pool_.shutdown();
  for (int fd : wake_)
    if (fd >= 0) ::close(fd);
}

void HttpListener::run() {
  running_ = true;
  pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
  while (!stopping_) {
    const int n = ::poll(fds, wake_[0] >= 0 ? 2 : 1, -1);
    if (n < 0 && errno != EINTR) break;
    if (n <= 0 || stopping_ || (fds[1].revents & POLLIN)) continue;
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
    if (fd < 0) {
      // Out of descriptors: the pending connection stays queued; give others time to close
      // (poll() would report it again at once).
      if (errno == EMFILE || errno == ENFILE)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm holds
    // the body until the client's delayed ACK (up to 40 ms per response).
    const int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    const std::string address = numeric_address(peer);
    if (!admit(address, fd)) continue;
    pool_.enqueue([this, fd, address] {
      serve_connection(fd);
      release(address, fd);
    });
  }
  // Wakes the connections waiting for a request (their reads end); answers being written finish.
  {
    std::lock_guard lock(mutex_);
    for (int fd : open_) ::shutdown(fd, SHUT_RD);
  }
  running_ = false;
}

bool HttpListener::admit(const std::string& address, int fd) {
  std::lock_guard lock(mutex_);
  if (static_cast<int>(open_.size()) >= limits_.max_connections) {
    refuse(fd, "the server has " + std::to_string(limits_.max_connections) +
                   " connections open, its limit; try again");
    return false;
  }
  const bool bounded = limits_.bound_loopback || !is_loopback(address);
  if (bounded && per_address_[address] >= limits_.max_per_address) {
    refuse(fd, "this address has " + std::to_string(limits_.max_per_address) +
                   " connections open, the limit per client; close some and try again");
    return false;
  }
  ++per_address_[address];
  open_.insert(fd);
  count_changed_.notify_all();
  return true;
}

void HttpListener::release(const std::string& address, int fd) {
  std::lock_guard lock(mutex_);
  open_.erase(fd);
  if (--per_address_[address] <= 0) per_address_.erase(address);
  ::close(fd);  // under the lock: stop() never shuts a descriptor number reused elsewhere
  count_changed_.notify_all();
}

void HttpListener::serve_connection(int fd) {
  DeadlineStream stream(fd, limits_.timeouts);
  const int keep_alive_ms = static_cast<int>(limits_.timeouts.keep_alive_s * 1000);
  for (int served = 0; served < kMaxRequestsPerConnection && !stopping_; ++served) {
    // The next request's first byte, within the keep-alive time (also before the first request).
    if (!stream.has_buffered() && !wait_for(fd, POLLIN, keep_alive_ms)) break;
    stream.begin_request();
    bool closed = false;
    if (!process_(stream, served + 1 == kMaxRequestsPerConnection, closed) || closed) break;
  }
  ::shutdown(fd, SHUT_RDWR);
}

void HttpListener::stop() {
  // Async-signal-safe (serve's Ctrl-C handler calls it): an atomic and a write; run() does the
  // rest.
  stopping_ = true;
  if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
}

bool HttpListener::wait_open_connections(int n, std::chrono::seconds bound) const {
  std::unique_lock lock(mutex_);
  return count_changed_.wait_for(lock, bound, [&] { return static_cast<int>(open_.size()) == n; });
}

int HttpListener::open_connections() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(open_.size());
}

}  // namespace calmspace::serve
