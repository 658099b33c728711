// The WebSocket transport of live streams (websocketpp 0.8 over standalone Asio, both from
// Debian; cpp-httplib has no WebSocket): a server on a port of its own beside the HTTP one, and
// a small client for the tests and the load benchmark. Messages are opaque here (live_sessions.h
// gives them meaning). One Asio thread does all socket I/O; handlers must return quickly (the
// sessions only queue work for their own threads).
// websocketpp 0.8.2 does not compile as C++20, so live_socket.cpp is built as C++17 and this
// header includes nothing of CalmSpace's (C++20) headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace calmspace::serve {

class LiveSocketServer {
 public:
  using Id = std::uint64_t;  // one per connection, never reused
  struct Handlers {
    std::function<void(Id, const std::string& resource)> open;  // resource: "/live?x=y"
    std::function<void(Id, std::string payload, bool binary)> message;
    std::function<void(Id)> closed;  // the connection is gone (either side closed, or it failed)
    // Before the handshake is answered: the request's Host and Origin headers ("" when absent);
    // "" accepts, anything else refuses it (403).
    std::function<std::string(const std::string& host, const std::string& origin)> validate;
  };

  // Binds host:port (0 = any free port); std::runtime_error when it cannot. Messages over
  // max_message_bytes close their connection (1009, message too big). send_buffer_bytes: each
  // connection's SO_SNDBUF (0 = the system's).
  LiveSocketServer(const std::string& host, int port, std::size_t max_message_bytes,
                   Handlers handlers, int send_buffer_bytes = 0);
  ~LiveSocketServer();  // stops
  LiveSocketServer(const LiveSocketServer&) = delete;
  LiveSocketServer& operator=(const LiveSocketServer&) = delete;

  int port() const;
  void start();  // the Asio loop on its own thread
  void stop();   // closes every connection, joins the thread

  // Thread-safe. False when the connection is gone, or when its unsent output is over
  // max_buffered_bytes (a client that stopped reading): then nothing is sent.
  bool send_text(Id id, const std::string& text, std::size_t max_buffered_bytes);
  // Thread-safe: a close frame with `code` (1000 normal, 1008 policy, 1013 try again later) and
  // `reason` (cut to the 123 bytes a close frame holds).
  void close(Id id, int code, const std::string& reason);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A blocking client: connects to ws://host:port/resource, sends text or binary messages, and
// queues the text messages it receives.
class LiveSocketClient {
 public:
  // std::runtime_error when the connection does not open within timeout_s (or is refused).
  // `origin`: an Origin header to send, as a browser does ("" = none, as scripts do).
  LiveSocketClient(const std::string& url, double timeout_s = 10, const std::string& origin = "");
  ~LiveSocketClient();
  LiveSocketClient(const LiveSocketClient&) = delete;
  LiveSocketClient& operator=(const LiveSocketClient&) = delete;

  void send_binary(const void* data, std::size_t bytes);
  void send_text(const std::string& text);
  // The next text message, waiting up to timeout_s; nullopt on timeout or once closed and drained.
  std::optional<std::string> receive(double timeout_s);
  bool closed() const;
  int close_code() const;  // the server's close code once closed
  std::string close_reason() const;
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace calmspace::serve
