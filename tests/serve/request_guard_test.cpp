// Issue 20: the server against hostile pages and clients. DNS rebinding (a foreign Host),
// cross-site uploads and reads (CSRF), and declared bodies that are not byte counts or are over the
// limit are refused before any body is read, with a JSON error, and the connection is closed.
#include "serve/request_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "serve/server_harness.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
using testing::json_of;

httplib::Request request(const std::string& method, const std::string& path,
                         const httplib::Headers& headers) {
  httplib::Request r;
  r.method = method;
  r.path = path;
  r.headers = headers;
  return r;
}

TEST(RequestGuard, HostNamesAreNormalised) {
  using serve::RequestGuard;
  EXPECT_EQ(RequestGuard::host_name("LocalHost:8080"), "localhost");
  EXPECT_EQ(RequestGuard::host_name("[::1]:80"), "::1");
  EXPECT_EQ(RequestGuard::host_name("::1"), "::1");
  EXPECT_EQ(RequestGuard::host_name("calm.lan."), "calm.lan");
  EXPECT_EQ(RequestGuard::host_name("127.0.0.1"), "127.0.0.1");
}

TEST(RequestGuard, DecidesByHostOriginSiteAndLength) {
  const serve::RequestGuard guard({"Calm.LAN"}, 1000);
  const auto status = [&](const std::string& method, const std::string& path,
                          const httplib::Headers& h) {
    return guard.check(request(method, path, h)).status;
  };
  for (const char* ok : {"localhost:8080", "127.0.0.1:1", "[::1]:8080", "app.localhost",
                         "192.168.1.20:8080", "calm.lan:8080", "CALM.lan"})
    EXPECT_EQ(status("GET", "/api/analyses", {{"Host", ok}}), 0) << ok;
  for (const char* bad : {"attacker.example.com", "attacker.example.com:8080", "localhost.evil.com",
                          "127.0.0.1.nip.io"})
    EXPECT_EQ(status("GET", "/api/analyses", {{"Host", bad}}), 403) << bad;
  EXPECT_EQ(status("GET", "/api/analyses", {}), 0);  // HTTP/1.0 clients send no Host

  const httplib::Headers own = {{"Host", "127.0.0.1:8080"}};
  const auto with = [&](httplib::Headers h, const char* k, const char* v) {
    h.emplace(k, v);
    return h;
  };
  EXPECT_EQ(status("POST", "/api/analyses", with(own, "Origin", "http://127.0.0.1:8080")), 0);
  EXPECT_EQ(status("POST", "/api/analyses", with(own, "Origin", "http://evil.example")), 403);
  EXPECT_EQ(status("POST", "/api/analyses", with(own, "Origin", "null")), 403);
  EXPECT_EQ(status("DELETE", "/api/analyses/1", with(own, "Origin", "http://127.0.0.1:9999")), 403);
  EXPECT_EQ(status("GET", "/api/analyses", with(own, "Origin", "http://evil.example")), 0);  // CORS
  EXPECT_EQ(status("GET", "/api/analyses/1/audio", with(own, "Sec-Fetch-Site", "cross-site")), 403);
  EXPECT_EQ(status("GET", "/api/analyses", with(own, "Sec-Fetch-Site", "same-site")), 403);
  EXPECT_EQ(status("GET", "/api/analyses", with(own, "Sec-Fetch-Site", "same-origin")), 0);
  EXPECT_EQ(status("GET", "/index.html", with(own, "Sec-Fetch-Site", "cross-site")), 0);  // a link
  EXPECT_EQ(status("POST", "/api/analyses", with(own, "Sec-Fetch-Site", "cross-site")), 403);
  EXPECT_EQ(status("POST", "/api/analyses", own), 0);  // curl: neither header

  EXPECT_EQ(status("POST", "/api/analyses", with(own, "Content-Length", "1000")), 0);
  EXPECT_EQ(status("POST", "/api/analyses", with(own, "Content-Length", "1001")), 413);
  EXPECT_EQ(status("POST", "/api/analyses", with(own, "Content-Length", "100000000000000000000")),
            400);  // 21 digits: no byte count a request has
  EXPECT_EQ(status("POST", "/api/analyses", with(own, "Content-Length", "99999999999999")), 413);
  EXPECT_EQ(status("POST", "/api/analyses", with(own, "Content-Length", "-5")), 400);
  EXPECT_EQ(status("POST", "/api/analyses", with(own, "Content-Length", "1e20")), 400);
  EXPECT_EQ(status("POST", "/api/analyses", with(own, "Transfer-Encoding", "chunked")), 411);
}

TEST(RequestGuard, TheServerRefusesARebindingPageAndAForeignUpload) {
  testing::ServerHarness server;
  const std::string wav = testing::voice_wav(server.dir() / "v.wav", 1.0);
  const auto stored = server.post(wav, "v.wav");
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->status, 201) << stored->body;
  const std::string id = std::to_string(json_of(stored)["id"].get<std::int64_t>());

  // A DNS-rebinding page: its requests reach 127.0.0.1 with the attacker's name as Host.
  auto c = server.client();
  for (const std::string& path : {std::string("/api/analyses"), "/api/analyses/" + id + "/audio"}) {
    const auto r = c.Get(path.c_str(), {{"Host", "attacker.example.com"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << path;
    EXPECT_THAT(json_of(r)["error"].get<std::string>(),
                HasSubstr("does not answer to the host name 'attacker.example.com' (start it with "
                          "--allow-host attacker.example.com to allow it)"));
    EXPECT_EQ(r->body.find("RIFF"), std::string::npos);
  }
  // A cross-site form posting a recording: refused, nothing stored.
  httplib::MultipartFormDataItems items = {{"audio", wav, "v.wav", "audio/wav"}};
  const auto forged = c.Post("/api/analyses", {{"Origin", "http://evil.example"}}, items);
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_EQ(json_of(c.Get("/api/analyses"))["total"], 1);
  // The page's own upload, as a browser sends it.
  const auto own = c.Post("/api/analyses",
                          {{"Origin", "http://127.0.0.1:" + std::to_string(server.port())},
                           {"Sec-Fetch-Site", "same-origin"}},
                          items);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 201) << own->body;

  testing::ServerHarness named(8u << 20,
                               [](serve::ServerOptions& o) { o.allowed_hosts = {"calm.lan"}; });
  const auto r = named.client().Get("/api/analyses", {{"Host", "calm.lan"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

// A declared length that is no byte count, or is over the limit, is answered without the body
// being sent at all (the guard's own message for -5 shows it was not httplib reading the body).
// The requests say Connection: close; one that does not is closed at the keep-alive timeout (5 s),
// and whatever body it sends meanwhile is refused as a malformed request.
TEST(RequestGuard, BadOrHugeLengthsAreAnsweredWithoutReadingTheBody) {
  testing::ServerHarness server(1u << 20);
  const auto head = [](const std::string& extra) {
    return "POST /api/analyses HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: "
           "multipart/form-data; boundary=x\r\n" +
           extra + "\r\n";
  };
  const std::string negative = testing::raw_exchange(server.port(), head("Content-Length: -5\r\n"));
  EXPECT_THAT(negative, HasSubstr("HTTP/1.1 400"));
  EXPECT_THAT(negative, HasSubstr("Content-Length '-5' is not a byte count"));
  const std::string huge =
      testing::raw_exchange(server.port(), head("Content-Length: 100000000000000000000\r\n"));
  EXPECT_THAT(huge, HasSubstr("HTTP/1.1 400"));
  const std::string over =
      testing::raw_exchange(server.port(), head("Content-Length: 1048577\r\n"));
  EXPECT_THAT(over, HasSubstr("HTTP/1.1 413"));
  EXPECT_THAT(over, HasSubstr("the upload is larger than the 1 MiB limit"));
  const std::string chunked =
      testing::raw_exchange(server.port(), head("Transfer-Encoding: chunked\r\n"));
  EXPECT_THAT(chunked, HasSubstr("HTTP/1.1 411"));
  // One answer per connection: the unread body is never parsed as a next request.
  for (const std::string* r : {&negative, &huge, &over, &chunked})
    EXPECT_EQ(r->find("HTTP/1.1", 5), std::string::npos) << *r;
}

// The live socket's handshake, on its own port (8081 here, the page on 8080): the Host must be a
// name the server answers to, and a browser's Origin the page's own.
TEST(RequestGuard, TheLiveHandshakeAcceptsOnlyThisServersPage) {
  const serve::RequestGuard guard({"calm.home"}, 1 << 20);
  EXPECT_EQ(guard.check_live_handshake("127.0.0.1:8081", "", 8080), "");  // a script: no Origin
  EXPECT_EQ(guard.check_live_handshake("127.0.0.1:8081", "http://127.0.0.1:8080", 8080), "");
  EXPECT_EQ(guard.check_live_handshake("[::1]:8081", "http://[::1]:8080", 8080), "");
  EXPECT_EQ(guard.check_live_handshake("Calm.Home:8081", "http://calm.home:8080", 8080), "");
  EXPECT_THAT(guard.check_live_handshake("rebind.example:8081", "http://rebind.example:8080", 8080),
              HasSubstr("does not answer to the host name 'rebind.example'"));
  for (const char* origin :
       {"http://evil.example", "http://127.0.0.1:8081", "null", "http://localhost:8080"})
    EXPECT_THAT(guard.check_live_handshake("127.0.0.1:8081", origin, 8080),
                HasSubstr("another origin"))
        << origin;
}

}  // namespace
}  // namespace calmspace
