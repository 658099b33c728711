// Everything `calmspace serve` is configured with. Paths default to the source tree the program
// was built from (the page in web/, Chart.js in node_modules/, the shipped model in models/).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/predict/predictor.h"
#include "serve/live_limits.h"
#include "serve/personal_model.h"
#include "serve/request_deadline.h"

namespace calmspace::serve {

// Build-time locations in the source tree (compile definitions of calmspace_serve).
std::string default_model_path();            // <source>/models/calmspace-gru.safetensors
std::string default_finetune_recipe();       // <source>/configs/finetune.yaml
PersonalOptions default_personal_options();  // the recipe above, the rest as declared
std::string default_web_dir();               // <source>/web
std::string default_chart_js();              // <source>/node_modules/chart.js/dist/chart.umd.js

struct ServerOptions {
  std::string host = "127.0.0.1";  // localhost only unless told otherwise
  // Host-header names answered besides loopback names and IP literals (request_guard.h).
  std::vector<std::string> allowed_hosts;
  int port = 8080;                          // 0 = any free port (Server::port() says which)
  std::string data_dir = "calmspace-data";  // SQLite history (analyses, results, audio)
  std::string model_path;                   // run directory, .h5 checkpoint or .safetensors export
  std::string web_dir;                      // the page; "" = none (API only)
  std::string chart_js;                     // Chart.js UMD bundle served at kChartJsUrl; "" = none
  int workers = 0;                          // predictors (one per thread); 0 = hardware threads
  int max_batch = 8;  // recordings predicted together at most (micro-batching; 1 = none): 8
                      // kept p99 under load lower than 16 (bench/results/serve_load_*)
  // Connections served at once, a thread each, started on demand (connection_pool.h); an idle
  // keep-alive or slow client holds one, so this is also how many such clients one server bears.
  int http_threads = 1024;
  // Connections one client address may hold open (loopback clients: bounded only in total unless
  // bound_loopback); past it, 503 at once (http_listener.h).
  int max_per_address = 64;
  bool bound_loopback = false;
  RequestTimeouts timeouts;  // each request's deadline, keep-alive and write timeouts
  std::size_t max_upload_bytes = 32u << 20;  // larger requests get 413
  double max_duration_s = 600;  // longer recordings are refused (415, the decoder says why)
  // Memory all requests in flight may hold at once (memory_budget.h); a recording needing more
  // gets 413.
  std::int64_t max_memory_bytes = std::int64_t{1024} << 20;
  double batch_max_s = 8.0;  // longer recordings are analysed block by block, not micro-batched
  TimelineOptions timeline;  // windows of the emotion timeline
  std::string access_log;    // access_log.h: "-" = stderr, "" = none, else a file (appended)
  // Live streams (live_sessions.h) on a WebSocket port of their own: -1 = the HTTP port + 1 (any
  // free port when that is 0), 0 = any free port; live_off disables them.
  int live_port = -1;
  bool live_off = false;
  LiveLimits live;
  // "Learn from my corrections" (personal_model.h): the recipe defaults to the source tree's
  // configs/finetune.yaml.
  PersonalOptions personal = default_personal_options();
};

inline constexpr const char* kChartJsUrl = "/vendor/chart.umd.js";

// The model card beside a model file: same stem, extension .md ("" when there is none; a run
// directory has none).
std::string model_card_path(const std::string& model_path);

}  // namespace calmspace::serve
