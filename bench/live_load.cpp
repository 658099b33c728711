// live_load: N concurrent live streams into a running `calmspace serve` (its WebSocket,
// serve/live_sessions.h), each sending 20 ms of 16-bit audio every 20 ms, as a microphone does,
// for a fixed time, then "stop" (not stored). Reports the server's per-update latency (the
// "latency_ms" each update carries: from the arrival of the audio that completed the hop to the
// update leaving), p50/p90/p99/max over all streams, updates received, and dropped streams (an
// error, a close, or no final update); exits 1 if any stream was dropped.
//   live_load --port LIVE_PORT [--streams 20] [--seconds 300] [--raw FILE.s16] [--json OUT.json]
// FILE.s16: 16 kHz mono s16le audio, looped (bench/run_live_load.sh cuts RAVDESS speech); without
// it, a synthetic voice-like signal.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "serve/live_socket.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kRate = 16000;
constexpr int kChunk = kRate / 50;  // 20 ms

std::vector<std::int16_t> synthetic(double seconds) {
  std::vector<std::int16_t> out(static_cast<std::size_t>(seconds * kRate));
  double phase = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double t = double(i) / kRate;
    phase += 2 * M_PI * (150 + 40 * std::sin(2 * M_PI * 0.5 * t)) / kRate;
    const double envelope = 0.5 + 0.5 * std::sin(2 * M_PI * 3.5 * t);
    out[i] =
        static_cast<std::int16_t>(6000 * envelope * (std::sin(phase) + 0.4 * std::sin(3 * phase)));
  }
  return out;
}

struct StreamResult {
  std::vector<double> latencies_ms;
  bool dropped = false;
  std::string why;
};

StreamResult run_stream(const std::string& url, const std::vector<std::int16_t>& audio,
                        double seconds, std::size_t offset) {
  StreamResult r;
  try {
    calmspace::serve::LiveSocketClient c(url, 30);
    // Takes the messages that have come (waiting up to wait_s for each); true at the final update.
    const auto take = [&](double wait_s) {
      while (const auto m = c.receive(wait_s)) {
        const nlohmann::json j = nlohmann::json::parse(*m);
        if (j["type"] == "update") {
          if (j.value("final", false)) return true;  // after "stop": no latency of its own
          r.latencies_ms.push_back(j.at("latency_ms").get<double>());
        } else if (j["type"] == "error" || j["type"] == "limit") {
          r.dropped = true;
          r.why = j.value("message", std::string("error"));
        }
      }
      return false;
    };
    const auto ready = c.receive(30);
    if (!ready || nlohmann::json::parse(*ready)["type"] != "ready")
      throw std::runtime_error("no ready");
    const auto chunks = static_cast<std::int64_t>(seconds * 50);
    const Clock::time_point start = Clock::now();
    std::size_t at = offset % audio.size();
    for (std::int64_t k = 0; k < chunks && !r.dropped && !c.closed(); ++k) {
      std::int16_t buffer[kChunk];
      for (int i = 0; i < kChunk; ++i, at = (at + 1) % audio.size()) buffer[i] = audio[at];
      c.send_binary(buffer, sizeof buffer);
      take(0);
      std::this_thread::sleep_until(start + std::chrono::milliseconds(20 * (k + 1)));
    }
    c.send_text(R"({"type": "stop", "store": false})");
    if (!take(60) && !r.dropped) {
      r.dropped = true;
      r.why = c.closed() ? "closed: " + c.close_reason() : "no final update";
    }
  } catch (const std::exception& e) {
    r.dropped = true;
    r.why = e.what();
  }
  return r;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(std::min<double>(double(v.size()) - 1, q * double(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", raw, json_out;
  int port = 0, streams = 20;
  double seconds = 300;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--port")
      port = std::stoi(v);
    else if (a == "--host")
      host = v;
    else if (a == "--streams")
      streams = std::stoi(v);
    else if (a == "--seconds")
      seconds = std::stod(v);
    else if (a == "--raw")
      raw = v;
    else if (a == "--json")
      json_out = v;
    else {
      std::fprintf(stderr, "live_load: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (port <= 0) {
    std::fprintf(stderr, "live_load: --port LIVE_PORT is required\n");
    return 2;
  }
  std::vector<std::int16_t> audio;
  if (!raw.empty()) {
    std::ifstream in(raw, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    audio.resize(bytes.size() / 2);
    std::memcpy(audio.data(), bytes.data(), audio.size() * 2);
  }
  if (audio.empty()) audio = synthetic(30);
  const std::string url = "ws://" + host + ":" + std::to_string(port) + "/live";

  std::vector<StreamResult> results(static_cast<std::size_t>(streams));
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(streams));
  for (int s = 0; s < streams; ++s)
    threads.emplace_back([&, s] {
      // Streams start spread over the first second and read different parts of the audio.
      std::this_thread::sleep_for(std::chrono::milliseconds(1000 * s / streams));
      results[static_cast<std::size_t>(s)] =
          run_stream(url, audio, seconds, static_cast<std::size_t>(s) * 7919 * kChunk);
    });
  for (std::thread& t : threads) t.join();

  std::vector<double> all;
  int dropped = 0;
  for (const StreamResult& r : results) {
    all.insert(all.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    if (r.dropped) {
      ++dropped;
      std::fprintf(stderr, "dropped stream: %s\n", r.why.c_str());
    }
  }
  const nlohmann::json report = {{"streams", streams},
                                 {"seconds", seconds},
                                 {"updates", all.size()},
                                 {"dropped_streams", dropped},
                                 {"latency_ms",
                                  {{"p50", percentile(all, 0.50)},
                                   {"p90", percentile(all, 0.90)},
                                   {"p99", percentile(all, 0.99)},
                                   {"max", percentile(all, 1.0)}}}};
  std::printf("%s\n", report.dump(2).c_str());
  if (!json_out.empty()) std::ofstream(json_out) << report.dump(2) << "\n";
  return dropped == 0 ? 0 : 1;
}
