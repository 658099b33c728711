// serve_load: N concurrent clients posting the same clip to POST /api/analyses of a running
// `calmspace serve` for a fixed time (closed loop: each client posts again as soon as it has its
// answer). Reports requests, failures (any status but 201, or no answer), throughput and the
// latency distribution (p50/p90/p99/max, ms); exits 1 if any request failed.
//   serve_load --port 8080 [--host 127.0.0.1] [--clients 50] [--seconds 60] [--clip FILE]
//              [--json OUT.json]
// Without --clip it posts a 4 s 16 kHz PCM16 WAV of a voice-like synthetic signal.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <numbers>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// 16-bit mono PCM WAV: gliding pitch with harmonics under a 4 Hz syllable envelope.
std::string synthetic_wav(double seconds, int rate) {
  const auto n = static_cast<std::uint32_t>(seconds * rate);
  std::string wav(44 + 2 * n, '\0');
  auto put32 = [&](std::size_t at, std::uint32_t v) { std::memcpy(&wav[at], &v, 4); };
  auto put16 = [&](std::size_t at, std::uint16_t v) { std::memcpy(&wav[at], &v, 2); };
  std::memcpy(&wav[0], "RIFF", 4);
  put32(4, 36 + 2 * n);
  std::memcpy(&wav[8], "WAVEfmt ", 8);
  put32(16, 16);
  put16(20, 1);
  put16(22, 1);
  put32(24, rate);
  put32(28, rate * 2);
  put16(32, 2);
  put16(34, 16);
  std::memcpy(&wav[36], "data", 4);
  put32(40, 2 * n);
  double phase = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const double t = double(i) / rate;
    phase += 2 * std::numbers::pi * (170 + 50 * std::sin(2 * std::numbers::pi * 0.7 * t)) / rate;
    double v = 0;
    for (int h = 1; h <= 8; ++h) v += std::sin(h * phase) / h;
    v *= 0.25 * 0.5 * (1 - std::cos(2 * std::numbers::pi * 4 * t));
    put16(44 + 2 * i,
          static_cast<std::uint16_t>(static_cast<std::int16_t>(std::lround(v * 32767))));
  }
  return wav;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(std::ceil(p / 100 * sorted.size()));
  return sorted[std::min(sorted.size() - 1, i == 0 ? 0 : i - 1)];
}

// What one kind of client saw.
struct Tally {
  std::vector<double> latencies_ms;
  long failures = 0;
  std::string first_error;
};

// One closed-loop client posting `form` until `deadline`; merges what it saw into `tally`.
void run_client(const std::string& host, int port, const httplib::MultipartFormDataItems& form,
                Clock::time_point start, Clock::time_point deadline, std::mutex& mutex,
                Tally& tally) {
  httplib::Client client(host, port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);  // the request's headers and body are separate writes
  client.set_read_timeout(120, 0);
  client.set_write_timeout(120, 0);
  Tally mine;
  while (Clock::now() < deadline) {
    const auto t0 = Clock::now();
    const auto r = client.Post("/api/analyses", form);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (r && r->status == 201) {
      mine.latencies_ms.push_back(ms);
    } else {
      ++mine.failures;
      const double at = std::chrono::duration<double>(Clock::now() - start).count();
      if (mine.first_error.empty())
        mine.first_error =
            (r ? std::to_string(r->status) + " " + r->body : httplib::to_string(r.error())) +
            " at " + std::to_string(at) + " s, after " + std::to_string(ms) + " ms";
    }
  }
  std::lock_guard lock(mutex);
  tally.latencies_ms.insert(tally.latencies_ms.end(), mine.latencies_ms.begin(),
                            mine.latencies_ms.end());
  tally.failures += mine.failures;
  if (tally.first_error.empty()) tally.first_error = mine.first_error;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", clip, json_out, long_file;
  int port = 8080, clients = 50;
  double seconds = 60;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--host")
      host = value;
    else if (key == "--port")
      port = std::stoi(value);
    else if (key == "--clients")
      clients = std::stoi(value);
    else if (key == "--seconds")
      seconds = std::stod(value);
    else if (key == "--clip")
      clip = value;
    else if (key == "--json")
      json_out = value;
    else if (key == "--long")
      long_file = value;
    else {
      std::fprintf(stderr, "serve_load: unknown option %s\n", key.c_str());
      return 2;
    }
  }
  std::string audio;
  if (clip.empty()) {
    audio = synthetic_wav(4.0, 16000);
    clip = "synthetic 4 s voice-like WAV";
  } else if (!read_file(clip, audio)) {
    std::fprintf(stderr, "serve_load: cannot read %s\n", clip.c_str());
    return 2;
  }
  std::string long_audio;
  if (!long_file.empty() && !read_file(long_file, long_audio)) {
    std::fprintf(stderr, "serve_load: cannot read %s\n", long_file.c_str());
    return 2;
  }

  std::mutex mutex;
  Tally shorts, longs;
  const auto start = Clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const httplib::MultipartFormDataItems form = {{"audio", audio, "clip.wav", "audio/wav"}};
  const httplib::MultipartFormDataItems long_form = {
      {"audio", long_audio, "long" + long_file.substr(long_file.rfind('.')), "audio/wav"}};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&] { run_client(host, port, form, start, deadline, mutex, shorts); });
  if (!long_file.empty())
    threads.emplace_back([&] { run_client(host, port, long_form, start, deadline, mutex, longs); });
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double>& latencies_ms = shorts.latencies_ms;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::sort(longs.latencies_ms.begin(), longs.latencies_ms.end());
  const long failures = shorts.failures + longs.failures;
  const double mean =
      latencies_ms.empty()
          ? 0
          : std::accumulate(latencies_ms.begin(), latencies_ms.end(), 0.0) / latencies_ms.size();
  const double throughput = latencies_ms.size() / elapsed;
  std::printf("clip: %s (%zu bytes)\nclients: %d, duration: %.1f s\n", clip.c_str(), audio.size(),
              clients, elapsed);
  std::printf("requests ok: %zu, failed: %ld\nthroughput: %.1f requests/s\n", latencies_ms.size(),
              shorts.failures, throughput);
  std::printf("latency ms: mean %.1f  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n", mean,
              percentile(latencies_ms, 50), percentile(latencies_ms, 90),
              percentile(latencies_ms, 99), latencies_ms.empty() ? 0.0 : latencies_ms.back());
  if (!long_file.empty())
    std::printf(
        "long uploads (%s, %zu bytes): ok %zu, failed %ld; seconds: median %.2f  max %.2f\n",
        long_file.c_str(), long_audio.size(), longs.latencies_ms.size(), longs.failures,
        percentile(longs.latencies_ms, 50) / 1e3,
        longs.latencies_ms.empty() ? 0.0 : longs.latencies_ms.back() / 1e3);
  if (failures)
    std::printf("first failure: %s\n",
                (shorts.first_error.empty() ? longs.first_error : shorts.first_error).c_str());
  if (!json_out.empty()) {
    std::ofstream out(json_out);
    out << "{\"clients\": " << clients << ", \"seconds\": " << elapsed
        << ", \"ok\": " << latencies_ms.size() << ", \"failed\": " << shorts.failures
        << ", \"throughput_rps\": " << throughput << ", \"latency_ms\": {\"mean\": " << mean
        << ", \"p50\": " << percentile(latencies_ms, 50)
        << ", \"p90\": " << percentile(latencies_ms, 90)
        << ", \"p99\": " << percentile(latencies_ms, 99)
        << ", \"max\": " << (latencies_ms.empty() ? 0.0 : latencies_ms.back()) << "}";
    if (!long_file.empty())
      out << ", \"long_upload\": {\"file\": \"" << long_file
          << "\", \"bytes\": " << long_audio.size() << ", \"ok\": " << longs.latencies_ms.size()
          << ", \"failed\": " << longs.failures
          << ", \"seconds_p50\": " << percentile(longs.latencies_ms, 50) / 1e3
          << ", \"seconds_max\": "
          << (longs.latencies_ms.empty() ? 0.0 : longs.latencies_ms.back() / 1e3) << "}";
    out << "}\n";
  }
  return failures || latencies_ms.empty() ? 1 : 0;
}
