// LiveSocketServer and LiveSocketClient over websocketpp (built as C++17: live_socket.h).
// Thread safety: websocketpp's connection::send and endpoint::close may be called from any
// thread (they take the connection's lock and post the write to the Asio thread).
#include "serve/live_socket.h"

#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>
#include <websocketpp/server.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace calmspace::serve {
namespace {

using Hdl = websocketpp::connection_hdl;
using WsServer = websocketpp::server<websocketpp::config::asio>;
using WsClient = websocketpp::client<websocketpp::config::asio_client>;

// Updates are small and latency matters: no Nagle delay.
void no_delay(asio::ip::tcp::socket& socket) {
  asio::error_code ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
}

constexpr std::size_t kMaxCloseReason = 123;  // RFC 6455 5.5: 125-byte payload, 2 for the code

}  // namespace

struct LiveSocketServer::Impl {
  WsServer ws;
  Handlers handlers;
  std::mutex mutex;
  std::map<Hdl, Id, std::owner_less<Hdl>> ids;
  std::unordered_map<Id, Hdl> handles;
  Id next_id = 1;
  std::thread thread;
  int port = 0;

  std::optional<Hdl> handle(Id id) {
    const std::lock_guard<std::mutex> lock(mutex);
    const auto it = handles.find(id);
    if (it == handles.end()) return std::nullopt;
    return it->second;
  }
  // Forgets the connection; its id, or 0 when it was not known.
  Id forget(const Hdl& h) {
    const std::lock_guard<std::mutex> lock(mutex);
    const auto it = ids.find(h);
    if (it == ids.end()) return 0;
    const Id id = it->second;
    handles.erase(id);
    ids.erase(it);
    return id;
  }
};

LiveSocketServer::LiveSocketServer(const std::string& host, int port, std::size_t max_message_bytes,
                                   Handlers handlers, int send_buffer_bytes)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.handlers = std::move(handlers);
  s.ws.clear_access_channels(websocketpp::log::alevel::all);
  s.ws.clear_error_channels(websocketpp::log::elevel::all);
  s.ws.init_asio();
  s.ws.set_reuse_addr(true);
  s.ws.set_max_message_size(max_message_bytes);
  // Socket options once the connection is accepted (the socket-init handler runs before that, on
  // a socket not yet open, where setting them fails).
  s.ws.set_tcp_post_init_handler([&s, send_buffer_bytes](const Hdl& h) {
    asio::error_code ec;
    const auto con = s.ws.get_con_from_hdl(h, ec);
    if (ec) return;
    no_delay(con->get_socket());
    if (send_buffer_bytes > 0)
      con->get_socket().set_option(asio::socket_base::send_buffer_size(send_buffer_bytes), ec);
  });
  s.ws.set_validate_handler([&s](const Hdl& h) {
    if (!s.handlers.validate) return true;
    asio::error_code ec;
    const auto con = s.ws.get_con_from_hdl(h, ec);
    if (ec) return false;
    return s.handlers.validate(con->get_request_header("Host"), con->get_request_header("Origin"))
        .empty();
  });
  s.ws.set_open_handler([&s](const Hdl& h) {
    Id id = 0;
    {
      const std::lock_guard<std::mutex> lock(s.mutex);
      id = s.next_id++;
      s.ids[h] = id;
      s.handles[id] = h;
    }
    asio::error_code ec;
    const auto con = s.ws.get_con_from_hdl(h, ec);
    s.handlers.open(id, ec ? std::string() : con->get_resource());
  });
  const auto gone = [&s](const Hdl& h) {
    if (const Id id = s.forget(h); id != 0) s.handlers.closed(id);
  };
  s.ws.set_close_handler(gone);
  s.ws.set_fail_handler(gone);
  s.ws.set_message_handler([&s](const Hdl& h, const WsServer::message_ptr& m) {
    Id id = 0;
    {
      const std::lock_guard<std::mutex> lock(s.mutex);
      const auto it = s.ids.find(h);
      if (it == s.ids.end()) return;
      id = it->second;
    }
    s.handlers.message(id, std::move(m->get_raw_payload()),
                       m->get_opcode() == websocketpp::frame::opcode::binary);
  });

  asio::error_code ec;
  asio::ip::address address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) throw std::runtime_error("live socket: '" + host + "' is not an IP address");
  s.ws.listen(asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port)), ec);
  if (ec)
    throw std::runtime_error("live socket: cannot listen on " + host + ":" + std::to_string(port) +
                             ": " + ec.message());
  s.ws.start_accept(ec);
  if (ec) throw std::runtime_error("live socket: cannot accept: " + ec.message());
  s.port = s.ws.get_local_endpoint(ec).port();
}

LiveSocketServer::~LiveSocketServer() {
  stop();
}

int LiveSocketServer::port() const {
  return impl_->port;
}

void LiveSocketServer::start() {
  impl_->thread = std::thread([this] { impl_->ws.run(); });
}

void LiveSocketServer::stop() {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  asio::error_code ec;
  s.ws.stop_listening(ec);
  std::vector<Hdl> open;
  {
    const std::lock_guard<std::mutex> lock(s.mutex);
    for (const auto& [id, h] : s.handles) open.push_back(h);
  }
  for (const Hdl& h : open)
    s.ws.close(h, websocketpp::close::status::going_away, "server stopping", ec);
  s.ws.stop();
  s.thread.join();
}

bool LiveSocketServer::send_text(Id id, const std::string& text, std::size_t max_buffered_bytes) {
  const std::optional<Hdl> h = impl_->handle(id);
  if (!h) return false;
  asio::error_code ec;
  const auto con = impl_->ws.get_con_from_hdl(*h, ec);
  if (ec || con->get_buffered_amount() > max_buffered_bytes) return false;
  return !con->send(text, websocketpp::frame::opcode::text);
}

void LiveSocketServer::close(Id id, int code, const std::string& reason) {
  const std::optional<Hdl> h = impl_->handle(id);
  if (!h) return;
  asio::error_code ec;
  impl_->ws.close(*h, static_cast<websocketpp::close::status::value>(code),
                  reason.substr(0, kMaxCloseReason), ec);
}

struct LiveSocketClient::Impl {
  WsClient ws;
  Hdl handle;
  std::thread thread;
  mutable std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::string> inbox;
  bool open = false, closed = false;
  int code = 0;
  std::string reason;
};

LiveSocketClient::LiveSocketClient(const std::string& url, double timeout_s,
                                   const std::string& origin)
    : impl_(std::make_unique<Impl>()) {
  Impl& c = *impl_;
  c.ws.clear_access_channels(websocketpp::log::alevel::all);
  c.ws.clear_error_channels(websocketpp::log::elevel::all);
  c.ws.init_asio();
  c.ws.set_tcp_post_init_handler([&c](const Hdl& h) {
    asio::error_code ec;
    const auto con = c.ws.get_con_from_hdl(h, ec);
    if (!ec) no_delay(con->get_socket());
  });
  c.ws.set_open_handler([&c](const Hdl& /*h*/) {
    const std::lock_guard<std::mutex> lock(c.mutex);
    c.open = true;
    c.changed.notify_all();
  });
  c.ws.set_message_handler([&c](const Hdl& /*h*/, const WsClient::message_ptr& m) {
    if (m->get_opcode() != websocketpp::frame::opcode::text) return;
    const std::lock_guard<std::mutex> lock(c.mutex);
    c.inbox.push_back(std::move(m->get_raw_payload()));
    c.changed.notify_all();
  });
  const auto ended = [&c](const Hdl& h) {
    asio::error_code ec;
    const auto con = c.ws.get_con_from_hdl(h, ec);
    const std::lock_guard<std::mutex> lock(c.mutex);
    if (!ec) {
      c.code = con->get_remote_close_code();
      c.reason = con->get_remote_close_reason();
    }
    c.closed = true;
    c.changed.notify_all();
  };
  c.ws.set_close_handler(ended);
  c.ws.set_fail_handler(ended);
  asio::error_code ec;
  const auto con = c.ws.get_connection(url, ec);
  if (ec) throw std::runtime_error("live socket client: " + url + ": " + ec.message());
  if (!origin.empty()) con->replace_header("Origin", origin);
  c.handle = con->get_handle();
  c.ws.connect(con);
  c.thread = std::thread([&c] { c.ws.run(); });
  std::unique_lock<std::mutex> lock(c.mutex);
  if (!c.changed.wait_for(lock, std::chrono::duration<double>(timeout_s),
                          [&c] { return c.open || c.closed; }) ||
      !c.open) {
    lock.unlock();
    c.ws.stop();
    c.thread.join();
    throw std::runtime_error("live socket client: could not connect to " + url);
  }
}

LiveSocketClient::~LiveSocketClient() {
  Impl& c = *impl_;
  close();
  {
    std::unique_lock<std::mutex> lock(c.mutex);
    c.changed.wait_for(lock, std::chrono::seconds(5), [&c] { return c.closed; });
  }
  c.ws.stop();
  c.thread.join();
}

void LiveSocketClient::send_binary(const void* data, std::size_t bytes) {
  asio::error_code ec;
  impl_->ws.send(impl_->handle, data, bytes, websocketpp::frame::opcode::binary, ec);
}

void LiveSocketClient::send_text(const std::string& text) {
  asio::error_code ec;
  impl_->ws.send(impl_->handle, text, websocketpp::frame::opcode::text, ec);
}

std::optional<std::string> LiveSocketClient::receive(double timeout_s) {
  Impl& c = *impl_;
  std::unique_lock<std::mutex> lock(c.mutex);
  c.changed.wait_for(lock, std::chrono::duration<double>(timeout_s),
                     [&c] { return !c.inbox.empty() || c.closed; });
  if (c.inbox.empty()) return std::nullopt;
  std::string message = std::move(c.inbox.front());
  c.inbox.pop_front();
  return message;
}

bool LiveSocketClient::closed() const {
  const std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->closed;
}

int LiveSocketClient::close_code() const {
  const std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->code;
}

std::string LiveSocketClient::close_reason() const {
  const std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->reason;
}

void LiveSocketClient::close() {
  if (closed()) return;
  asio::error_code ec;
  impl_->ws.close(impl_->handle, websocketpp::close::status::normal, "", ec);
}

}  // namespace calmspace::serve
