// The limits of live streams (live_sessions.h): `calmspace serve --live-*` options.
#pragma once

#include <cstddef>

#include "core/predict/live_stream.h"

namespace calmspace::serve {

struct LiveLimits {
  int max_streams = 16;      // streams at once
  double max_seconds = 300;  // audio per stream
  // Audio may arrive at most max_speed times faster than real time, after burst_s seconds of
  // allowance (a page catching up after a hiccup).
  double max_speed = 2.0;
  double burst_s = 5.0;
  std::size_t max_unsent_bytes = 256u << 10;  // updates a client leaves unread
  int socket_send_buffer = 0;  // SO_SNDBUF of each live socket, bytes (0: the system's; tests)
  // A stream that sends no audio for this long is closed (1008): an idle socket would hold one of
  // max_streams forever.
  double idle_s = 30.0;
  LiveOptions live;  // hop and window
};

}  // namespace calmspace::serve
