// A CalmSpace server on a free local port, for the API tests: a fixture model with its card, a
// small page folder (index.html, app.js, a sub-folder) next to a secret file outside it, and a
// data directory, all in one scratch folder. restart() stops the server and starts a new one on
// the same data directory.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "serve/serve_fixtures.h"
#include "serve/server.h"
#include "support/test_support.h"

namespace calmspace::testing {

inline constexpr const char* kSecret = "TOP-SECRET-DO-NOT-SERVE";
inline constexpr const char* kCard = "# Fixture model\n\nRandom weights, for tests.\n";

class ServerHarness {
 public:
  // `tweak` may change any option before the server starts.
  explicit ServerHarness(std::size_t max_upload_bytes = 8u << 20,
                         const std::function<void(serve::ServerOptions&)>& tweak = {}) {
    namespace fs = std::filesystem;
    write_fixture_model(dir_ / "model.h5", kCard);
    fs::create_directories(dir_ / "web" / "css");
    write_file(dir_ / "web" / "index.html", "<!doctype html><title>CalmSpace</title>");
    write_file(dir_ / "web" / "app.js", "export const x = 1;\n");
    write_file(dir_ / "web" / "css" / "style.css", "body {}\n");
    write_file(dir_ / "web" / ".hidden.js", kSecret);
    write_file(dir_ / "secret.js", kSecret);
    write_file(dir_ / "secret.txt", kSecret);
    fs::create_symlink(dir_ / "secret.js", dir_ / "web" / "link.js");
    options_.host = "127.0.0.1";
    options_.port = 0;
    options_.data_dir = (dir_ / "data").string();
    options_.model_path = (dir_ / "model.h5").string();
    options_.web_dir = (dir_ / "web").string();
    options_.chart_js = (dir_ / "web" / "app.js").string();
    options_.workers = 2;
    options_.http_threads = 16;
    options_.max_upload_bytes = max_upload_bytes;
    if (tweak) tweak(options_);
    start();
  }

  void start() {
    server_ = std::make_unique<serve::Server>(options_);
    server_->start();
  }
  void restart() {
    server_.reset();
    start();
  }

  int port() const { return server_->port(); }
  int live_port() const { return server_->live_port(); }
  const serve::Server& server() const { return *server_; }
  serve::PersonalModel& personal() const { return server_->personal(); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port());
    c.set_read_timeout(60, 0);
    return c;
  }
  const ScratchDir& dir() const { return dir_; }
  const serve::ServerOptions& options() const { return options_; }

  // POST /api/analyses with `bytes` as the file `name` in form field `field`.
  httplib::Result post(const std::string& bytes, const std::string& name,
                       const std::string& field = "audio",
                       const std::string& type = "application/octet-stream") const {
    httplib::MultipartFormDataItems items = {{field, bytes, name, type}};
    return client().Post("/api/analyses", items);
  }

 private:
  ScratchDir dir_;
  serve::ServerOptions options_;
  std::unique_ptr<serve::Server> server_;
};

inline nlohmann::json json_of(const httplib::Result& r) {
  return nlohmann::json::parse(r->body);
}

// A 16 kHz PCM16 WAV of voice_like(seconds), written to `path`; returns its bytes.
std::string voice_wav(const std::filesystem::path& path, double seconds);

}  // namespace calmspace::testing
