#include "serve/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <exception>

#include "core/base/error.h"
#include "core/export/model_file.h"
#include "core/predict/reliability.h"
#include "serve/json_response.h"
#include "serve/model_info.h"
#include "serve/personal_routes.h"
#include "serve/static_files.h"
#include "serve/voice_routes.h"

namespace calmspace::serve {
namespace {

// The page may use only its own scripts, styles and media (recordings are blob: URLs), and
// connect to this server and its live socket (a port of its own, on whatever host name the page
// was reached by).
std::string content_security_policy(int live_port) {
  const std::string live = live_port > 0 ? cat(" ws://*:", live_port, " wss://*:", live_port) : "";
  return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
         "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'" +
         live +
         "; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
         "worker-src 'self'";
}

constexpr std::size_t kMaxLiveMessageBytes = std::size_t{1} << 20;  // 32 s of 16-bit audio

// Set as each response is written (the logger hook), read by the connection loop: whether the
// connection must end after it. An error answer to a request with a body ends it, because the
// body may not have been read (a refused upload's never is): its bytes must not be parsed as the
// next request, which would run with none of the refused one's headers (its Origin).
thread_local bool close_after_response = false;

bool must_close(const httplib::Request& req, const httplib::Response& res) {
  const bool has_body =
      req.has_header("Transfer-Encoding") ||
      (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
  return res.get_header_value("Connection") == "close" || (res.status >= 400 && has_body);
}

}  // namespace

Server::Server(ServerOptions options) : options_(std::move(options)) {
  const std::vector<Checkpoint> members = load_model_members(options_.model_path);
  const int workers = options_.workers > 0
                          ? options_.workers
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  choice_ = std::make_unique<ModelChoice>(
      members, PoolShape{workers, options_.max_batch, options_.batch_max_s});
  const ModelPool& base = choice_->base();
  store_ = std::make_unique<HistoryStore>(options_.data_dir);
  personal_ = std::make_unique<PersonalModel>(*store_, *choice_, members, options_.model_path,
                                              options_.data_dir, options_.personal);
  voice_ = std::make_unique<VoiceProfile>(*choice_, options_.data_dir, options_.personal.threads);
  memory_ = std::make_unique<MemoryBudget>(options_.max_memory_bytes);
  api_ = std::make_unique<ApiContext>(
      ApiContext{*choice_, *store_, options_, *memory_,
                 model_info_json(base.config(), base.labels(), options_.model_path,
                                 model_card_path(options_.model_path)),
                 reliability_sentence(base.config().model, base.labels().size())});

  // Connections are accepted and read by listener_ (http_listener.h: deadlines per request,
  // bounds per client); http_ only routes and answers.
  http_.set_payload_max_length(options_.max_upload_bytes);
  // What each response's Keep-Alive header promises (listener_ keeps it).
  http_.set_keep_alive_max_count(kMaxRequestsPerConnection);
  http_.set_keep_alive_timeout(static_cast<time_t>(options_.timeouts.keep_alive_s));
  // SO_REUSEADDR only: cpp-httplib's default SO_REUSEPORT would let a second server bind the same
  // port and silently take half of the connections; a busy port must be an error.
  http_.set_socket_options([this](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_socket_ = sock;  // the last one offered is the one that binds
  });
  http_.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                             {"Referrer-Policy", "no-referrer"},
                             {"Cache-Control", "no-store"}});
  add_api_routes(http_, *api_);
  add_personal_routes(http_, *personal_);
  add_voice_routes(http_, *voice_, *api_);
  add_static_routes();
  add_error_handlers();
  add_request_hooks();

  if (options_.port == 0) {
    port_ = http_.bind_to_any_port(options_.host);
    if (port_ <= 0) throw InputError(options_.host, "cannot bind any port on this address");
  } else {
    if (!http_.bind_to_port(options_.host, options_.port))
      throw InputError(cat(options_.host, ":", options_.port),
                       "cannot listen here (address in use, or not an address of this machine)");
    port_ = options_.port;
  }
  // Debian's cpp-httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, compiled into the
  // library): dozens of clients connecting at once overflow it and wait for SYN retransmits.
  // Calling listen() again on the listening socket raises the backlog (Linux allows it).
  if (listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);
  ConnectionLimits limits;
  limits.timeouts = options_.timeouts;
  limits.max_per_address = options_.max_per_address;
  limits.max_connections = std::max(options_.http_threads, 2);
  limits.bound_loopback = options_.bound_loopback;
  listener_ = std::make_unique<HttpListener>(
      listen_socket_, limits, [this](httplib::Stream& stream, bool last, bool& closed) {
        close_after_response = false;
        const bool ok = http_.process_request(stream, last, closed, nullptr);
        closed = closed || close_after_response;
        return ok;
      });
  try {
    if (!options_.live_off) open_live_socket(workers);
  } catch (...) {
    ::close(listen_socket_);  // ~Server does not run for a constructor that throws
    throw;
  }
  content_security_policy_ = content_security_policy(live_port());
}

void Server::open_live_socket(int workers) {
  live_ = std::make_unique<LiveSessions>(*api_, options_.live, workers);
  // Default: the HTTP port + 1, or any free port when the HTTP port was any free one.
  const int port =
      options_.live_port >= 0 ? options_.live_port : (options_.port == 0 ? 0 : options_.port + 1);
  LiveSocketServer::Handlers handlers = live_->handlers();
  // Like the HTTP requests (request_guard.h): no DNS-rebinding host, no other site's page.
  handlers.validate = [this](const std::string& host, const std::string& origin) {
    return guard_->check_live_handshake(host, origin, port_);
  };
  try {
    live_socket_ =
        std::make_unique<LiveSocketServer>(options_.host, port, kMaxLiveMessageBytes,
                                           std::move(handlers), options_.live.socket_send_buffer);
  } catch (const std::runtime_error& e) {
    throw InputError("--live-port", e.what());
  }
  live_->set_socket(live_socket_.get());
  api_->model_info["live"] = {{"port", live_socket_->port()},
                              {"path", "/live"},
                              {"hop_s", options_.live.live.hop_s},
                              {"window_s", options_.live.live.window_s},
                              {"max_seconds", options_.live.max_seconds}};
}

Server::~Server() {
  stop();
  if (thread_.joinable()) thread_.join();
  // The live socket's I/O has stopped (run() returned); its workers go before the socket does.
  if (live_socket_) live_socket_->stop();
  if (live_) live_->shutdown();
  listener_.reset();                                 // joins the connections' threads
  if (listen_socket_ >= 0) ::close(listen_socket_);  // cpp-httplib closes it only in listen()
}

std::string Server::url() const {
  const bool v6 = options_.host.find(':') != std::string::npos;
  return cat("http://", v6 ? "[" : "", options_.host, v6 ? "]" : "", ":", port_);
}

void Server::serve_stream(httplib::Stream& stream, int max_requests) {
  bool closed = false;
  for (int i = 0; i < max_requests && !closed; ++i) {
    close_after_response = false;
    if (!http_.process_request(stream, i + 1 == max_requests, closed, nullptr)) break;
    closed = closed || close_after_response;
  }
}

void Server::run() {
  if (live_socket_) live_socket_->start();
  listener_->run();
  if (live_socket_) live_socket_->stop();
}

void Server::start() {
  auto finished = std::make_shared<std::atomic<bool>>(false);
  thread_ = std::thread([this, finished] {
    run();
    *finished = true;
  });
  while (!listener_->running() && !*finished)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void Server::stop() {
  if (listener_) listener_->stop();
}

// Before any route and before the body is read: the request guard (request_guard.h), and the
// access log's start time. A refused request's body is never read; its answer says
// "Connection: close" (a client that keeps the socket anyway is cut at the keep-alive timeout).
void Server::add_request_hooks() {
  access_log_ = std::make_unique<AccessLog>(options_.access_log);
  guard_ = std::make_unique<RequestGuard>(options_.allowed_hosts, options_.max_upload_bytes);
  // A request is handled start to end on one pool thread: its start time waits there.
  static thread_local std::chrono::steady_clock::time_point started;
  http_.set_pre_routing_handler(
      [guard = guard_.get()](const httplib::Request& req, httplib::Response& res) {
        started = std::chrono::steady_clock::now();
        const GuardVerdict verdict = guard->check(req);
        if (verdict.status == 0) return httplib::Server::HandlerResponse::Unhandled;
        send_error(res, verdict.status, verdict.message);
        res.set_header("Connection", "close");
        return httplib::Server::HandlerResponse::Handled;
      });
  // Called once each response has been written.
  http_.set_logger([log = access_log_.get()](const httplib::Request& req,
                                             const httplib::Response& res) {
    close_after_response = must_close(req, res);
    if (!log->enabled()) return;
    log->write(req, res,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  });
}

void Server::add_static_routes() {
  const std::string web = options_.web_dir, chart = options_.chart_js;
  auto serve_file = [csp = &content_security_policy_](httplib::Response& res,
                                                      const StaticFile& file) {
    const auto body = read_whole_file(file.path);
    if (!body) return send_error(res, 404, "not found");
    res.status = 200;
    res.set_content(*body, file.mime_type.c_str());
    if (file.mime_type.starts_with("text/html")) res.set_header("Content-Security-Policy", *csp);
  };
  http_.Get(kChartJsUrl, [chart, serve_file](const httplib::Request&, httplib::Response& res) {
    if (chart.empty()) return send_error(res, 404, "Chart.js is not served by this server");
    serve_file(res, {chart, "text/javascript; charset=utf-8"});
  });
  // Everything else under GET: a file of the page, or 404. API paths never reach here.
  http_.Get("/.*", [web, serve_file](const httplib::Request& req, httplib::Response& res) {
    if (req.path.starts_with("/api/")) return send_error(res, 404, "no such API route");
    const auto file = resolve_static(web, req.path);
    if (!file) return send_error(res, 404, "not found");
    serve_file(res, *file);
  });
}

void Server::add_error_handlers() {
  // Statuses set by cpp-httplib itself (413 over the limit, 404 no route, 400 malformed) come
  // with an empty body: give them the JSON error shape too.
  http_.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    send_error(res, res.status,
               res.status == 413 ? upload_limit_message(options_.max_upload_bytes)
                                 : default_error_message(res.status));
  });
  http_.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr& ep) {
        std::string message = "internal error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          message += std::string(": ") + e.what();
        } catch (...) {
        }
        send_error(res, 500, message);
      });
}

}  // namespace calmspace::serve
