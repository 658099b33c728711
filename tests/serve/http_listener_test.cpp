// The server's own connection handling (serve/http_listener.h, request_deadline.h): a request's
// deadline that a trickle cannot push back, 503 past the per-address and total bounds, and the
// rest served meanwhile.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "serve/request_deadline.h"
#include "serve/server_harness.h"

namespace calmspace {
namespace {

using serve::RequestDeadline;
using serve::RequestTimeouts;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

TEST(RequestDeadline, GraceThenOneSecondPerMinRateBytes) {
  RequestTimeouts t;
  t.grace_s = 10;
  t.min_rate = 1000;
  const auto t0 = RequestDeadline::Clock::time_point{} + 1h;
  RequestDeadline d(t, t0);
  EXPECT_EQ(d.deadline(), t0 + 10s);
  EXPECT_EQ(d.milliseconds_left(t0 + 4s), 6000);
  // A slowloris client: a 20-byte header line every 9 s moves the deadline by 20 ms each time.
  for (int line = 1; line <= 3; ++line) d.received(20);
  EXPECT_NEAR(std::chrono::duration<double>(d.deadline() - t0).count(), 10.06, 1e-6);
  EXPECT_EQ(d.milliseconds_left(t0 + 27s), 0);
  // An upload averaging 1 MB/s keeps far ahead of its deadline.
  d.received(50'000'000);
  EXPECT_NEAR(d.milliseconds_left(t0 + 50s), 10060 + 50'000'000 - 50'000, 1);
}

// A raw TCP connection to 127.0.0.1:port; -1 on failure.
int connect_local(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, const std::string& bytes) {
  ASSERT_EQ(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
}

// Everything the server sends until it closes the connection.
std::string read_until_closed(int fd) {
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) out.append(buffer, n);
  return out;
}

TEST(HttpListener, AnIncompleteRequestIsCutAtItsDeadline) {
  testing::ServerHarness h(8u << 20, [](serve::ServerOptions& o) { o.timeouts.grace_s = 0.3; });
  const int slow = connect_local(h.port());
  ASSERT_GE(slow, 0);
  send_all(slow, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");  // and never the rest
  const std::string answer = read_until_closed(slow);  // returns once the server closes it
  close(slow);
  EXPECT_THAT(answer, ::testing::Not(HasSubstr("200 OK")));
  EXPECT_EQ(h.client().Get("/health")->status, 200);  // the server goes on serving
}

TEST(HttpListener, AClientPastItsBoundGets503AndOthersAreServed) {
  testing::ServerHarness h(8u << 20, [](serve::ServerOptions& o) {
    o.max_per_address = 2;
    o.bound_loopback = true;  // every test client is on loopback
  });
  // Two connections held open with a request head half sent.
  const int a = connect_local(h.port()), b = connect_local(h.port());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  send_all(a, "GET /health HTTP/1.1\r\n");
  send_all(b, "GET /health HTTP/1.1\r\n");
  const int c = connect_local(h.port());
  ASSERT_GE(c, 0);
  send_all(c, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const std::string refused = read_until_closed(c);
  close(c);
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(refused, HasSubstr("the limit per client"));
  EXPECT_THAT(refused, HasSubstr("Retry-After: 1"));
  // One of the two finishes its request and leaves: a new connection is served again (the server
  // releases the slot when it closes that connection, so ask until it has).
  send_all(a, "Host: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(read_until_closed(a), StartsWith("HTTP/1.1 200"));
  close(a);
  std::string answer;
  for (int attempt = 0; attempt < 10'000 && !answer.starts_with("HTTP/1.1 200"); ++attempt) {
    const int d = connect_local(h.port());
    ASSERT_GE(d, 0);
    send_all(d, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    answer = read_until_closed(d);
    close(d);
  }
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200"));
  close(b);
}

TEST(HttpListener, LoopbackClientsAreBoundedOnlyInTotal) {
  testing::ServerHarness h(8u << 20, [](serve::ServerOptions& o) {
    o.max_per_address = 1;
    o.http_threads = 3;
  });
  const int a = connect_local(h.port()), b = connect_local(h.port());
  send_all(a, "GET /health HTTP/1.1\r\n");
  send_all(b, "GET /health HTTP/1.1\r\n");
  // Past max_per_address, but loopback: served (the third connection of three).
  const int c = connect_local(h.port());
  send_all(c, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(read_until_closed(c), StartsWith("HTTP/1.1 200"));
  close(c);
  // With three held open, a fourth is past the total. (c's slot is released when the server has
  // closed it: hold a third until then.)
  int held = -1;
  std::string answer;
  for (int attempt = 0; attempt < 10'000; ++attempt) {
    held = connect_local(h.port());
    send_all(held, "GET /health HTTP/1.1\r\n");
    const int d = connect_local(h.port());
    send_all(d, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    answer = read_until_closed(d);
    close(d);
    if (answer.starts_with("HTTP/1.1 503")) break;
    close(held);
  }
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(answer, HasSubstr("connections open, its limit"));
  for (int fd : {a, b, held}) close(fd);
}

}  // namespace
}  // namespace calmspace
