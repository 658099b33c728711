// calmspace serve as a library: loads the model into a pool of predictors, opens the history in
// the data directory, binds the address (host:port, port 0 = any free one) and serves the page
// (ServerOptions::web_dir, Chart.js at kChartJsUrl) and the API (api_routes.h).
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <thread>

#include "serve/access_log.h"
#include "serve/api_routes.h"
#include "serve/history_store.h"
#include "serve/http_listener.h"
#include "serve/live_sessions.h"
#include "serve/live_socket.h"
#include "serve/memory_budget.h"
#include "serve/model_choice.h"
#include "serve/model_pool.h"
#include "serve/personal_model.h"
#include "serve/request_guard.h"
#include "serve/server_options.h"
#include "serve/voice_profile.h"

namespace calmspace::serve {

class Server {
 public:
  // Loads and binds; InputError when the model, data directory or address is unusable.
  explicit Server(ServerOptions options);
  ~Server();  // stops and joins a start()ed server
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  int live_port() const { return live_socket_ ? live_socket_->port() : 0; }  // 0: no live streams
  const LiveSessions* live() const { return live_.get(); }
  int open_connections() const { return listener_ ? listener_->open_connections() : 0; }  // HTTP
  bool wait_open_connections(int n, std::chrono::seconds bound) const {
    return listener_ && listener_->wait_open_connections(n, bound);
  }
  std::string url() const;                                   // "http://127.0.0.1:8080"
  const ModelPool& pool() const { return choice_->base(); }  // the base model
  PersonalModel& personal() { return *personal_; }

  void run();    // serves until stop() (from another thread or a signal handler's thread)
  void start();  // run() on a background thread; returns once it accepts connections
  void stop();
  // Answers the requests read from `stream` (pipelined, at most `max_requests`) as a connection
  // accepted by run() would be answered: guards, routes, error handlers, the access log. No
  // socket: for the fuzzing harness (fuzz/http_request_target.cpp).
  void serve_stream(httplib::Stream& stream, int max_requests);

 private:
  void add_static_routes();
  void add_error_handlers();
  void add_request_hooks();
  void open_live_socket(int workers);

  ServerOptions options_;
  std::unique_ptr<ModelChoice> choice_;
  std::unique_ptr<HistoryStore> store_;
  std::unique_ptr<PersonalModel> personal_;  // after store_ and choice_: its training uses them
  std::unique_ptr<VoiceProfile> voice_;      // after choice_: it enrols the voice there
  std::unique_ptr<MemoryBudget> memory_;
  std::unique_ptr<ApiContext> api_;
  std::unique_ptr<AccessLog> access_log_;
  std::unique_ptr<RequestGuard> guard_;
  std::unique_ptr<LiveSessions> live_;  // before the socket: destroyed after it
  std::unique_ptr<LiveSocketServer> live_socket_;
  // cpp-httplib's server with its per-connection entry point (protected there) reachable.
  struct HttpServer : httplib::Server {
    using httplib::Server::process_request;
  };

  std::string content_security_policy_;
  HttpServer http_;
  int port_ = 0;
  int listen_socket_ = -1;                  // bound by http_, accepted on by listener_
  std::unique_ptr<HttpListener> listener_;  // after http_: destroyed before it
  std::thread thread_;
};

}  // namespace calmspace::serve
