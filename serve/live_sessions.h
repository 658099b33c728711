// Live streams over the live socket (live_socket.h): each connection has its own Predictor and
// LiveStream (core/predict/live_stream.h); a few worker threads run them, so the socket thread
// only queues audio and one busy or slow stream never holds up another.
// Protocol (text messages are JSON; audio is binary):
//   server -> client, on open: {"type": "ready", "sample_rate", "format": "s16le", "hop_s",
//     "window_s", "labels", "so_far" (LiveStream::so_far_mode), "max_seconds", "model" ("base" or
//     "personal") and "enrolled" (the model this stream runs: model_choice.h)}
//   client -> server: binary messages of 16-bit little-endian mono PCM at sample_rate (any
//     length); {"type": "stop", "store": true|false, "name": "..."} when the person stops
//   server -> client: {"type": "update", ...live_update_json..., "latency_ms"} every hop, where
//     latency_ms is the time from the arrival of the audio that completed the hop to the update
//     leaving; after "stop", the final update ("final": true), then with "store" the analysis of
//     the whole recording, stored in the history exactly as an upload of it would be
//     ({"type": "stored", "analysis": {...}}, api_routes.h), then a normal close (1000).
//   {"type": "error", "message"} then a close, when a stream is refused or broken: too many
//     streams at once (1013), audio faster than real time (1008), an updates backlog the client
//     does not read (1008), no audio for idle_s seconds (1008), a bad message (1003). At
//     max_seconds the stream takes no more audio
//     ({"type": "limit", "message"}) and waits for "stop", so what was said can still be stored.
// Nothing is stored unless the client says "stop" with "store": a vanished client leaves nothing.
// Memory: a stream holds its 16-bit audio (32 KB/s at 16 kHz) and, for CMVN models, its feature
// rows (live_stream.h): at most max_streams x max_seconds of both.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/predict/live_stream.h"
#include "core/run/checkpoint.h"
#include "serve/api_routes.h"
#include "serve/live_limits.h"
#include "serve/live_socket.h"

namespace calmspace::serve {

class LiveSessions {
 public:
  // Each stream runs the model in use when it opens (api.models: the base or the person's own,
  // with their voice folded in while they are enrolled). `workers` threads (>= 1).
  LiveSessions(ApiContext& api, const LiveLimits& limits, int workers);
  ~LiveSessions();  // shutdown()
  // Joins the workers and the idle watcher (a stream being processed finishes its chunk). Call it
  // after the socket has stopped and before the socket is destroyed: workers send through it.
  void shutdown();
  LiveSessions(const LiveSessions&) = delete;
  LiveSessions& operator=(const LiveSessions&) = delete;

  // The socket's handlers; `socket` must outlive this object's use of it (set before start()).
  LiveSocketServer::Handlers handlers();
  void set_socket(LiveSocketServer* socket) { socket_ = socket; }
  int active() const;
  // Blocks until active() == n, or `bound` passes (a safety bound for tests); true when it is n.
  bool wait_active(int n, std::chrono::seconds bound) const;

 private:
  struct Session;
  using Id = LiveSocketServer::Id;

  void open(Id id, const std::string& resource);
  void message(Id id, std::string payload, bool binary);
  void closed(Id id);
  void refuse(Id id, int code, const std::string& message);
  void schedule(Id id, Session& s);  // with s.mutex held
  void work();
  void reap_idle();  // the idle watcher's thread
  void process(Id id, Session& s);
  void send(Id id, const nlohmann::json& message);
  void finish(Id id, Session& s);

  ApiContext& api_;
  LiveLimits limits_;
  LiveSocketServer* socket_ = nullptr;

  // sessions_, ready_, stopping_. Lock order: a session's mutex, then this one (never the other
  // way round: take the sessions, release it, then lock each session).
  mutable std::mutex mutex_;
  std::unordered_map<Id, std::shared_ptr<Session>> sessions_;
  std::deque<Id> ready_;                           // sessions with work, each at most once
  std::condition_variable work_ready_;             // workers wait here
  std::condition_variable stopped_;                // the idle watcher waits here
  mutable std::condition_variable count_changed_;  // wait_active() waits here
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::thread idle_watcher_;
};

}  // namespace calmspace::serve
