// Target: raw HTTP/1.1 bytes to `calmspace serve` (serve/server.h) in this process: the server is
// built once with the tiny fixture model (tests/support/model_fixtures.h), the page's folder and a
// history in the scratch folder, and answers up to 8 pipelined requests per input through the same
// code as an accepted connection (Server::serve_stream). The history is started afresh when it
// passes 64 MB, so a long run stays bounded. An answer with status 500 (an internal error that
// reached the client) is reported as a finding. Not covered here: the socket layer
// (serve/http_listener.h, tested in tests/serve), and coverage inside cpp-httplib's request
// parser, which is Debian's uninstrumented library (ASan sees our side of its calls only).
#include <httplib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/error.h"
#include "fuzz/fuzz_targets.h"
#include "fuzz/scratch_dir.h"
#include "serve/server.h"
#include "support/model_fixtures.h"

namespace calmspace::fuzz {

namespace {

// The input as a connection's bytes; of what the server writes, the status lines are kept.
class BytesStream final : public httplib::Stream {
 public:
  explicit BytesStream(Input input) : input_(input) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const std::size_t n = std::min(size, input_.size() - position_);
    if (n) std::memcpy(ptr, input_.data() + position_, n);  // an empty input's data() is null
    position_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    const std::string_view text(ptr, size);
    if (text.starts_with("HTTP/1.1 ")) statuses_.emplace_back(text.substr(0, text.find('\r')));
    return static_cast<ssize_t>(size);
  }
  const std::vector<std::string>& statuses() const { return statuses_; }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 50000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8080;
  }
  socket_t socket() const override { return INVALID_SOCKET; }

 private:
  Input input_;
  std::size_t position_ = 0;
  std::vector<std::string> statuses_;
};

std::uintmax_t folder_bytes(const std::filesystem::path& dir) {
  std::uintmax_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  return total;
}

class FuzzServer {
 public:
  serve::Server& get() {
    if (server_ && folder_bytes(data_dir_) > (64u << 20)) {
      server_.reset();
      std::filesystem::remove_all(data_dir_);
    }
    if (!server_) {
      const std::filesystem::path model = scratch_dir() / "model.h5";
      if (!std::filesystem::exists(model)) testing::write_fixture_model(model, "# Fuzz model\n");
      data_dir_ = scratch_dir() / ("history-" + std::to_string(generation_++));
      serve::ServerOptions options;
      options.port = 0;
      options.model_path = model.string();
      options.data_dir = data_dir_.string();
      options.web_dir = CALMSPACE_SOURCE_DIR "/web";
      options.workers = 1;
      options.live_off = true;
      options.access_log = "";
      server_ = std::make_unique<serve::Server>(options);
    }
    return *server_;
  }

 private:
  std::unique_ptr<serve::Server> server_;
  std::filesystem::path data_dir_;
  int generation_ = 0;
};

}  // namespace

void http_request(Input input) {
  static FuzzServer server;
  BytesStream stream(input);
  server.get().serve_stream(stream, 8);
  // A 500 is an internal error that reached a client: a finding like a crash.
  for (const std::string& status : stream.statuses())
    if (status.starts_with("HTTP/1.1 500"))
      throw std::logic_error("the server answered '" + status + "'");
}

}  // namespace calmspace::fuzz
