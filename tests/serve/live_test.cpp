// Live streams over the server's WebSocket (serve/live_sessions.h), with the test client of
// serve/live_socket.h: a stream gives an update every hop and, when stopped with "store", the
// analysis an upload of the same audio gives (equal, field for field), in the history; a client
// that vanishes leaves nothing; limits (streams at once, real-time rate, stream length) and bad
// messages get a clear message and a close code. Waits are on messages (with generous bounds),
// never on clocks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <thread>

#include "core/audio/encode.h"
#include "core/run/checkpoint.h"
#include "serve/live_socket.h"
#include "serve/server_harness.h"
#include "support/model_fixtures.h"

namespace calmspace {
namespace {

using serve::LiveSocketClient;
using ::testing::HasSubstr;

constexpr double kWait = 60;  // seconds: a bound for a message that must come, not a timing

std::vector<std::int16_t> pcm16(const std::vector<float>& x) {
  std::vector<std::int16_t> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    out[i] = static_cast<std::int16_t>(std::lround(std::clamp(x[i], -1.0f, 1.0f) * 32767));
  return out;
}

nlohmann::json next(LiveSocketClient& c) {
  const auto m = c.receive(kWait);
  if (!m) return nlohmann::json{{"type", "none"}};
  return nlohmann::json::parse(*m);
}

// Messages until one of type `type` (returned) or the end; the updates on the way in *updates.
nlohmann::json until(LiveSocketClient& c, const std::string& type,
                     std::vector<nlohmann::json>* updates = nullptr) {
  for (;;) {
    nlohmann::json m = next(c);
    if (m["type"] == type || m["type"] == "none") return m;
    if (updates && m["type"] == "update") updates->push_back(m);
  }
}

void send_audio(LiveSocketClient& c, const std::vector<std::int16_t>& pcm, std::size_t chunk) {
  for (std::size_t at = 0; at < pcm.size(); at += chunk)
    c.send_binary(pcm.data() + at, 2 * std::min(chunk, pcm.size() - at));
}

std::string url(const testing::ServerHarness& h, const std::string& path = "/live") {
  return "ws://127.0.0.1:" + std::to_string(h.live_port()) + path;
}

TEST(Live, AStoppedStreamIsStoredAsAnUploadOfItsAudioWouldBe) {
  testing::ServerHarness h;
  const std::vector<std::int16_t> pcm = pcm16(testing::voice_like(2.6, 16000, 21));
  LiveSocketClient c(url(h));
  const nlohmann::json ready = next(c);
  ASSERT_EQ(ready["type"], "ready") << ready;
  EXPECT_EQ(ready["sample_rate"], 16000);
  EXPECT_EQ(ready["format"], "s16le");
  send_audio(c, pcm, 320);  // 20 ms messages, as the page sends them
  c.send_text(R"({"type": "stop", "store": true, "name": "my voice.wav"})");
  std::vector<nlohmann::json> updates;
  const nlohmann::json stored = until(c, "stored", &updates);
  ASSERT_EQ(stored["type"], "stored") << stored;
  ASSERT_EQ(updates.size(), 11u);  // 10 hops of 0.25 s, then the final one
  for (std::size_t k = 0; k < 10; ++k) {
    EXPECT_NEAR(updates[k]["time_s"].get<double>(), 0.25 * double(k + 1), 1e-9);
    EXPECT_GE(updates[k]["latency_ms"].get<double>(), 0.0);
  }
  const nlohmann::json& last = updates.back();
  EXPECT_EQ(last["final"], true);

  // The same audio uploaded: the same analysis (but for its id, time and name).
  const std::vector<float> as_floats = [&] {
    std::vector<float> x(pcm.size());
    for (std::size_t i = 0; i < pcm.size(); ++i) x[i] = float(pcm[i]) / 32768.0f;
    return x;
  }();
  write_wav16((h.dir() / "same.wav").string(), as_floats, 16000);
  const auto res = h.post(testing::read_file(h.dir() / "same.wav"), "same.wav");
  ASSERT_TRUE(res) << "upload failed";
  ASSERT_EQ(res->status, 201) << res->body;
  nlohmann::json upload = nlohmann::json::parse(res->body);
  nlohmann::json live = stored["analysis"];
  EXPECT_EQ(live["name"], "my voice.wav");
  for (const char* key : {"id", "created_at", "name"}) {
    upload.erase(key);
    live.erase(key);
  }
  EXPECT_EQ(live, upload);
  for (const auto& [label, p] : upload["probabilities"].items())
    EXPECT_NEAR(last["so_far"]["probabilities"][label].get<double>(), p.get<double>(), 1e-5)
        << label;
  EXPECT_EQ(h.client().Get("/api/analyses")->status, 200);
  EXPECT_EQ(nlohmann::json::parse(h.client().Get("/api/analyses")->body)["total"], 2);
}

TEST(Live, AClientThatVanishesLeavesNothing) {
  testing::ServerHarness h;
  {
    LiveSocketClient c(url(h));
    ASSERT_EQ(next(c)["type"], "ready");
    send_audio(c, pcm16(testing::voice_like(1.0, 16000, 22)), 800);
    ASSERT_EQ(next(c)["type"], "update");  // the stream is running
  }                                        // closed without "stop"
  // The next stream is served, and the history is still empty.
  LiveSocketClient again(url(h));
  EXPECT_EQ(next(again)["type"], "ready");
  EXPECT_EQ(nlohmann::json::parse(h.client().Get("/api/analyses")->body)["total"], 0);
}

TEST(Live, StreamsOverTheLimitAreRefusedWithAReason) {
  testing::ServerHarness h(8u << 20, [](serve::ServerOptions& o) { o.live.max_streams = 2; });
  LiveSocketClient a(url(h)), b(url(h));
  ASSERT_EQ(next(a)["type"], "ready");
  ASSERT_EQ(next(b)["type"], "ready");
  LiveSocketClient third(url(h));
  const nlohmann::json refused = next(third);
  EXPECT_EQ(refused["type"], "error");
  EXPECT_THAT(refused["message"].get<std::string>(), HasSubstr("2 live streams"));
  EXPECT_EQ(next(third)["type"], "none");  // then closed
  EXPECT_EQ(third.close_code(), 1013);
}

// A model that cuts silence (audio.trim_db) cannot run live: the stream is refused with the
// reason, counts against no limit, and the server goes on serving the next one.
TEST(Live, AModelLiveAnalysisCannotRunIsRefusedWithTheReason) {
  testing::ScratchDir models;
  const auto path = models / "trimming.h5";
  Checkpoint trimming = testing::fixture_checkpoint();
  Config config = trimming.config();
  config.audio.trim_db = 40;
  trimming.config_yaml = config.to_yaml();
  save_checkpoint(path.string(), trimming);
  testing::ServerHarness h(8u << 20, [&](serve::ServerOptions& o) {
    o.model_path = path.string();
    o.live.max_streams = 1;
  });
  for (int attempt = 0; attempt < 2; ++attempt) {
    LiveSocketClient c(url(h));
    const nlohmann::json refused = next(c);
    EXPECT_EQ(refused["type"], "error");
    EXPECT_THAT(refused["message"].get<std::string>(), HasSubstr("audio.trim_db"));
    EXPECT_EQ(next(c)["type"], "none");  // then closed
    EXPECT_EQ(c.close_code(), 1003);
  }
  EXPECT_EQ(h.server().live()->active(), 0);
  EXPECT_EQ(h.client().Get("/api/model")->status, 200);  // the server is still up
}

TEST(Live, AudioFasterThanRealTimeIsRefused) {
  testing::ServerHarness h;
  LiveSocketClient c(url(h));
  ASSERT_EQ(next(c)["type"], "ready");
  send_audio(c, pcm16(testing::voice_like(12.0, 16000, 23)), 16000);  // 12 s at once
  const nlohmann::json refused = until(c, "error");
  EXPECT_THAT(refused["message"].get<std::string>(), HasSubstr("faster than real time"));
  EXPECT_EQ(until(c, "none")["type"], "none");
  EXPECT_EQ(c.close_code(), 1008);
}

TEST(Live, AtItsLengthLimitAStreamWaitsToBeStopped) {
  testing::ServerHarness h(8u << 20, [](serve::ServerOptions& o) { o.live.max_seconds = 1.0; });
  LiveSocketClient c(url(h));
  ASSERT_EQ(next(c)["type"], "ready");
  send_audio(c, pcm16(testing::voice_like(1.5, 16000, 24)), 400);
  const nlohmann::json limit = until(c, "limit");
  EXPECT_THAT(limit["message"].get<std::string>(), HasSubstr("at most 1 s"));
  c.send_text(R"({"type": "stop", "store": true})");
  const nlohmann::json stored = until(c, "stored");
  ASSERT_EQ(stored["type"], "stored") << stored;
  EXPECT_DOUBLE_EQ(stored["analysis"]["duration_s"].get<double>(), 1.0);
  EXPECT_THAT(stored["analysis"]["name"].get<std::string>(), HasSubstr("Live "));
}

// An idle socket would hold one of the streams a server allows forever: no audio for idle_s
// closes it (the wait here is on the message, bounded).
TEST(Live, AStreamWithoutAudioIsClosedWhenIdle) {
  testing::ServerHarness h(8u << 20, [](serve::ServerOptions& o) { o.live.idle_s = 0.3; });
  LiveSocketClient c(url(h));
  ASSERT_EQ(next(c)["type"], "ready");
  const nlohmann::json closed = until(c, "error");
  EXPECT_THAT(closed["message"].get<std::string>(), HasSubstr("no audio for 0.3 s"));
  EXPECT_EQ(until(c, "none")["type"], "none");
  EXPECT_EQ(c.close_code(), 1008);
}

// A browser always sends an Origin: only this server's own page may open a live stream (another
// site's page could otherwise stream into, and store in, the user's history).
TEST(Live, OnlyThisServersPageMayOpenAStream) {
  testing::ServerHarness h;
  const std::string own = "http://127.0.0.1:" + std::to_string(h.port());
  LiveSocketClient from_page(url(h), 30, own);
  EXPECT_EQ(next(from_page)["type"], "ready");
  for (const std::string& foreign :
       {std::string("http://evil.example"), "http://127.0.0.1:" + std::to_string(h.live_port()),
        std::string("null")})
    EXPECT_THROW(LiveSocketClient(url(h), 30, foreign), std::runtime_error) << foreign;
}

// A client that opens a live stream by hand and then never reads a byte (a phone whose page
// froze): a raw TCP socket with a small receive buffer. It still sends audio.
class StalledClient {
 public:
  explicit StalledClient(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    const int small = 2048;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    const std::string handshake = "GET /live HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                                  "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                  "Sec-WebSocket-Version: 13\r\n\r\n";
    EXPECT_EQ(send(fd_, handshake.data(), handshake.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(handshake.size()));
    std::string response;  // the 101 answer's head, byte by byte; nothing more is ever read
    char c = 0;
    while (!response.ends_with("\r\n\r\n") && recv(fd_, &c, 1, 0) == 1) response += c;
    EXPECT_THAT(response, HasSubstr("101"));
  }
  ~StalledClient() { close(fd_); }
  StalledClient(const StalledClient&) = delete;
  StalledClient& operator=(const StalledClient&) = delete;

  // One masked binary frame of `pcm` (mask key 0, so the payload goes as it is).
  void send_audio(const std::vector<std::int16_t>& pcm) {
    const std::size_t n = pcm.size() * 2;
    std::string frame = {'\x82',
                         static_cast<char>(0x80 | 126),
                         static_cast<char>(n >> 8),
                         static_cast<char>(n & 0xFF),
                         0,
                         0,
                         0,
                         0};
    frame.append(reinterpret_cast<const char*>(pcm.data()), n);
    send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL);  // fails once the server has closed
  }

 private:
  int fd_;
};

// A client that stops reading its updates is closed once they pile up, and the other streams
// carry on meanwhile (their updates never wait for it).
TEST(Live, AClientThatStopsReadingIsClosedAndOthersCarryOn) {
  testing::ServerHarness h(8u << 20, [](serve::ServerOptions& o) {
    o.live.max_unsent_bytes = 4096;
    o.live.socket_send_buffer = 4096;
    o.live.max_speed = 1e6;  // paced below by the good stream's own updates, not by a clock
  });
  LiveSocketClient good(url(h));
  ASSERT_EQ(next(good)["type"], "ready");
  StalledClient stalled(h.live_port());
  ASSERT_TRUE(h.server().live()->wait_active(2, std::chrono::seconds(120)));
  // One hop (0.25 s: one update) to each stream per round, 60 s of audio; the good client reads
  // its update before the next round, so its unsent updates never pile up. The stalled stream's
  // 240 updates (about 100 KB) cannot fit its 4 KB buffers: its worker gets to them in its own
  // time, and then the server must close it. Waits on that condition.
  const std::vector<std::int16_t> pcm = pcm16(testing::voice_like(0.25, 16000, 25));
  int updates = 0;
  for (int k = 0; k < 240; ++k) {
    good.send_binary(pcm.data(), 2 * pcm.size());
    stalled.send_audio(pcm);
    const nlohmann::json m = next(good);
    ASSERT_EQ(m["type"], "update") << m.dump();
    ++updates;
  }
  // Waits on the stalled stream's session ending (120 s: a bound for a broken server only).
  const bool stalled_closed = h.server().live()->wait_active(1, std::chrono::seconds(120));
  EXPECT_TRUE(stalled_closed);
  EXPECT_FALSE(good.closed());
  good.send_text(R"({"type": "stop", "store": false})");
  std::vector<nlohmann::json> rest;
  EXPECT_EQ(until(good, "none", &rest)["type"], "none");  // the final update, then the close
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back()["final"], true);
  EXPECT_GT(updates, 10);
  EXPECT_EQ(good.close_code(), 1000);
}

TEST(Live, BadMessagesAndPathsCloseWithAReason) {
  testing::ServerHarness h;
  {
    LiveSocketClient c(url(h, "/elsewhere"));
    EXPECT_THAT(next(c)["message"].get<std::string>(), HasSubstr("unknown live resource"));
    EXPECT_EQ(until(c, "none")["type"], "none");
    EXPECT_EQ(c.close_code(), 1008);
  }
  {
    LiveSocketClient c(url(h));
    ASSERT_EQ(next(c)["type"], "ready");
    c.send_text("hello");
    EXPECT_THAT(next(c)["message"].get<std::string>(), HasSubstr("unknown message"));
    EXPECT_EQ(until(c, "none")["type"], "none");
    EXPECT_EQ(c.close_code(), 1003);
  }
  {
    LiveSocketClient c(url(h));
    ASSERT_EQ(next(c)["type"], "ready");
    const char odd[3] = {1, 2, 3};
    c.send_binary(odd, 3);
    EXPECT_THAT(next(c)["message"].get<std::string>(), HasSubstr("even number of bytes"));
  }
  {
    LiveSocketClient c(url(h));  // stopped before a single frame: a clear error, nothing stored
    ASSERT_EQ(next(c)["type"], "ready");
    c.send_text(R"({"type": "stop", "store": true})");
    EXPECT_THAT(until(c, "error")["message"].get<std::string>(), HasSubstr("too short"));
  }
  EXPECT_EQ(nlohmann::json::parse(h.client().Get("/api/analyses")->body)["total"], 0);
}

}  // namespace
}  // namespace calmspace
