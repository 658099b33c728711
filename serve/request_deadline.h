// How long a client may take to send one request, head and body together: `grace_s` plus one
// second per `min_rate` bytes received so far (like Apache's mod_reqtimeout with MinRate). The
// deadline never moves back and a trickle cannot keep it away: a slowloris client sending a
// header line every 10 s is cut grace_s after its request began, not held until 30 s pass
// without a byte. An honest upload keeps its connection as long as it averages min_rate.
// Pure arithmetic on the caller's clock, so it is tested without waiting.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace calmspace::serve {

struct RequestTimeouts {
  double grace_s = 10;          // for the request's head, and any request's first bytes
  double min_rate = 1000;       // bytes per second a request must average after the grace
  double keep_alive_s = 5;      // an idle connection between requests is closed after this
  double write_timeout_s = 30;  // a response write that makes no progress for this long fails
};

class RequestDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  RequestDeadline(const RequestTimeouts& timeouts, Clock::time_point start)
      : timeouts_(timeouts), start_(start) {}

  // `bytes` more of the request arrived.
  void received(std::size_t bytes) { received_ += bytes; }
  Clock::time_point deadline() const {
    const double allowed = timeouts_.grace_s + static_cast<double>(received_) / timeouts_.min_rate;
    return start_ +
           std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(allowed));
  }
  // Milliseconds left at `now` (0 once past), for poll().
  int milliseconds_left(Clock::time_point now) const {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline() - now);
    return static_cast<int>(std::clamp<long long>(left.count(), 0, 1'000'000'000));
  }

 private:
  RequestTimeouts timeouts_;
  Clock::time_point start_;
  std::size_t received_ = 0;
};

}  // namespace calmspace::serve
