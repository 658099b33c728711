#include "serve/serve_fixtures.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <numbers>
#include <stdexcept>

#include "core/audio/encode.h"
#include "core/audio/ffmpeg_encode.h"
#include "core/model/sequence_model.h"
#include "serve/server_harness.h"
#include "support/test_support.h"

namespace calmspace::testing {

std::string encode_with_ffmpeg(const std::filesystem::path& path, std::span<const float> samples,
                               int sample_rate, const char* muxer, const char* encoder,
                               const char* movflags) {
  const std::string bytes = ffmpeg_encode(samples, sample_rate, {muxer, encoder, 64000, movflags});
  write_file(path, bytes);
  return bytes;
}

std::string raw_exchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval limit{120, 0};  // a server that never closes fails the test instead of hanging it
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(request.size())) {
    close(fd);
    return "";
  }
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, n);
  close(fd);
  return response;
}

int raw_http(int port, const std::string& method, const std::string& raw_target,
             std::string* body) {
  const std::string response =
      raw_exchange(port, method + " " + raw_target +
                             " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  const auto header_end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 ", 0) != 0 || header_end == std::string::npos) return 0;
  *body = response.substr(header_end + 4);
  return std::stoi(response.substr(9, 3));
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string voice_wav(const std::filesystem::path& path, double seconds) {
  write_wav16(path.string(), voice_like(seconds, 16000), 16000);
  return read_file(path);
}

}  // namespace calmspace::testing
