// How long a client may take to send one request (like Apache's mod_reqtimeout):
//   - the head (request line and headers, up to the blank line) must be complete within grace_s
//     of the request's first byte, however its bytes trickle in: a slowloris client sending a
//     header line every few seconds is cut at grace_s, not held until 30 s pass without a byte;
//     a head over max_head_bytes is cut at once (cpp-httplib bounds neither header count nor size);
//   - the body must then average min_rate bytes per second after a further grace_s: an upload at
//     any ordinary speed keeps its connection.
// Pure arithmetic on the caller's clock, so it is tested without waiting.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string_view>

namespace calmspace::serve {

struct RequestTimeouts {
  double grace_s = 10;                 // for the head, and before the body's rate counts
  double min_rate = 1000;              // bytes per second a body must average after its grace
  std::size_t max_head_bytes = 65536;  // request line and headers together
  double keep_alive_s = 5;             // an idle connection between requests is closed after this
  double write_timeout_s = 30;         // a response write that makes no progress this long fails
};

class RequestDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  RequestDeadline(const RequestTimeouts& timeouts, Clock::time_point start)
      : timeouts_(timeouts), start_(start) {}

  // The request's next bytes, as handed to the parser, at time `now`.
  void received(std::string_view bytes, Clock::time_point now) {
    if (head_done_) {
      body_bytes_ += bytes.size();
      return;
    }
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      ++head_bytes_;
      tail_ = (tail_ << 8) | static_cast<unsigned char>(bytes[i]);
      if ((tail_ & 0xFFFFFFFFu) == 0x0D0A0D0Au) {  // "\r\n\r\n": the head is complete
        head_done_ = true;
        body_start_ = now;
        body_bytes_ = bytes.size() - i - 1;
        return;
      }
    }
  }
  bool head_too_large() const { return !head_done_ && head_bytes_ > timeouts_.max_head_bytes; }
  Clock::time_point deadline() const {
    if (!head_done_) return start_ + seconds(timeouts_.grace_s);
    return body_start_ + seconds(timeouts_.grace_s + double(body_bytes_) / timeouts_.min_rate);
  }
  // Milliseconds left at `now` (0 once past), for poll().
  int milliseconds_left(Clock::time_point now) const {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline() - now);
    return static_cast<int>(std::clamp<long long>(left.count(), 0, 1'000'000'000));
  }

 private:
  static Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }

  RequestTimeouts timeouts_;
  Clock::time_point start_, body_start_;
  bool head_done_ = false;
  std::size_t head_bytes_ = 0, body_bytes_ = 0;
  unsigned long long tail_ = 0;  // the last bytes of the head, for spotting its end
};

}  // namespace calmspace::serve
