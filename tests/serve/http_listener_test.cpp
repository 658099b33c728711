// The server's own connection handling (serve/http_listener.h, request_deadline.h): a head
// deadline that a trickle cannot push back, 503 past the per-address and total bounds with the
// rest served meanwhile, and no request smuggled in the unread body of a refused one.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "serve/request_deadline.h"
#include "serve/server_harness.h"

namespace calmspace {
namespace {

using serve::RequestDeadline;
using serve::RequestTimeouts;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

double seconds_after(RequestDeadline::Clock::time_point t0, const RequestDeadline& d) {
  return std::chrono::duration<double>(d.deadline() - t0).count();
}

TEST(RequestDeadline, TheHeadHasGraceSecondsHoweverItTrickles) {
  RequestTimeouts t;
  t.grace_s = 10;
  const auto t0 = RequestDeadline::Clock::time_point{} + 1h;
  RequestDeadline d(t, t0);
  EXPECT_EQ(d.deadline(), t0 + 10s);
  // A slowloris client: a header line every 9 s does not move the deadline.
  d.received("GET /health HTTP/1.1\r\n", t0);
  d.received("X-Drip-0: 0\r\n", t0 + 9s);
  d.received("X-Drip-1: 1\r", t0 + 18s);
  EXPECT_EQ(d.deadline(), t0 + 10s);
  EXPECT_EQ(d.milliseconds_left(t0 + 4s), 6000);
  EXPECT_EQ(d.milliseconds_left(t0 + 27s), 0);
  EXPECT_FALSE(d.head_too_large());
}

TEST(RequestDeadline, TheBodyMustAverageMinRateAfterTheHead) {
  RequestTimeouts t;
  t.grace_s = 10;
  t.min_rate = 1000;
  const auto t0 = RequestDeadline::Clock::time_point{} + 1h;
  RequestDeadline d(t, t0);
  d.received("POST /api/analyses HTTP/1.1\r\nContent-Length: 50000000\r\n\r", t0);
  d.received("\nfirst body bytes", t0 + 2s);  // the blank line split across reads; 16 body bytes
  EXPECT_NEAR(seconds_after(t0, d), 2 + 10 + 0.016, 1e-9);
  const std::string megabyte(1'000'000, 'x');  // 1 MB/s: far ahead of its deadline
  for (int s = 0; s < 49; ++s) d.received(megabyte, t0 + 1s * (s + 2));
  d.received(std::string_view(megabyte).substr(16), t0 + 50s);
  EXPECT_NEAR(seconds_after(t0, d), 2 + 10 + 50'000.0, 1e-6);
}

TEST(RequestDeadline, AHeadOverItsLimitIsCut) {
  RequestTimeouts t;
  t.max_head_bytes = 100;
  RequestDeadline d(t, RequestDeadline::Clock::now());
  d.received("GET / HTTP/1.1\r\n" + std::string(84, 'h'), RequestDeadline::Clock::now());
  EXPECT_FALSE(d.head_too_large());
  d.received("h", RequestDeadline::Clock::now());
  EXPECT_TRUE(d.head_too_large());
}

// A raw TCP connection to 127.0.0.1:port (-1 on failure); a read waits at most 60 s, so a broken
// server fails the test instead of hanging it.
int connect_local(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const timeval bound{60, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
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

// Everything the server sends until it closes the connection (or 60 s pass without a byte).
std::string read_until_closed(int fd) {
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) out.append(buffer, n);
  return out;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Waits until the server has `n` HTTP connections open (60 s: a bound for a broken server only).
bool open_connections_become(const testing::ServerHarness& h, int n) {
  return h.server().wait_open_connections(n, 60s);
}

TEST(HttpListener, AnIncompleteHeadIsCutAtItsDeadline) {
  testing::ServerHarness h(8u << 20, [](serve::ServerOptions& o) { o.timeouts.grace_s = 0.3; });
  const int slow = connect_local(h.port());
  ASSERT_GE(slow, 0);
  send_all(slow, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");  // and never the rest
  const std::string answer = read_until_closed(slow);  // returns once the server closes it
  close(slow);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 400"));    // the head could not be read
  EXPECT_EQ(h.client().Get("/health")->status, 200);  // the server goes on serving
}

TEST(HttpListener, NoRequestIsReadFromARefusedRequestsBody) {
  testing::ServerHarness h;
  // A cross-site upload is refused before its body is read; the body holds a request of its own
  // (without the refused one's Origin). It must not be answered.
  const std::string smuggled = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const int fd = connect_local(h.port());
  ASSERT_GE(fd, 0);
  send_all(fd,
           "POST /api/analyses HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
           "Content-Type: text/plain\r\nContent-Length: " +
               std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled);
  const std::string answer = read_until_closed(fd);
  close(fd);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 403"));
  EXPECT_EQ(count(answer, "HTTP/1.1 "), 1) << answer;
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
  ASSERT_TRUE(open_connections_become(h, 2));
  const int c = connect_local(h.port());
  ASSERT_GE(c, 0);
  send_all(c, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const std::string refused = read_until_closed(c);
  close(c);
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(refused, HasSubstr("the limit per client"));
  EXPECT_THAT(refused, HasSubstr("Retry-After: 1"));
  // One of the two finishes its request and leaves: the next connection is served.
  send_all(a, "Host: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(read_until_closed(a), StartsWith("HTTP/1.1 200"));
  close(a);
  ASSERT_TRUE(open_connections_become(h, 1));
  const int d = connect_local(h.port());
  ASSERT_GE(d, 0);
  send_all(d, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(read_until_closed(d), StartsWith("HTTP/1.1 200"));
  close(d);
  close(b);
}

TEST(HttpListener, LoopbackClientsAreBoundedOnlyInTotal) {
  testing::ServerHarness h(8u << 20, [](serve::ServerOptions& o) {
    o.max_per_address = 1;
    o.http_threads = 3;
  });
  const int a = connect_local(h.port()), b = connect_local(h.port());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  send_all(a, "GET /health HTTP/1.1\r\n");
  send_all(b, "GET /health HTTP/1.1\r\n");
  ASSERT_TRUE(open_connections_become(h, 2));
  // Past max_per_address, but loopback: the third connection of three is served.
  const int c = connect_local(h.port());
  ASSERT_GE(c, 0);
  send_all(c, "GET /health HTTP/1.1\r\n");
  ASSERT_TRUE(open_connections_become(h, 3));
  // A fourth is past the total.
  const int d = connect_local(h.port());
  ASSERT_GE(d, 0);
  send_all(d, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  const std::string refused = read_until_closed(d);
  close(d);
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(refused, HasSubstr("connections open, its limit"));
  send_all(c, "Host: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(read_until_closed(c), StartsWith("HTTP/1.1 200"));
  for (int fd : {a, b, c}) close(fd);
}

}  // namespace
}  // namespace calmspace
