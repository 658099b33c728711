// calmspace serve [--model RUN_DIR|FILE] [--host 127.0.0.1] [--port 8080] [--data DIR]
// The CalmSpace page and its JSON API (tools/serve/). Without --model: $CALMSPACE_MODEL, else the
// model shipped in the source tree (models/calmspace-gru.safetensors, with its card beside it).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "core/base/error.h"
#include "serve/server.h"
#include "tools/default_model.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

namespace fs = std::filesystem;

serve::Server* running_server = nullptr;

void stop_on_signal(int) {
  if (running_server) running_server->stop();
}

void add_serve(CLI::App& app) {
  auto options = std::make_shared<serve::ServerOptions>();
  auto model = std::make_shared<std::string>();
  auto upload_mb = std::make_shared<double>(options->max_upload_bytes / double(1 << 20));
  auto memory_mb = std::make_shared<double>(double(options->max_memory_bytes >> 20));
  auto* cmd = app.add_subcommand("serve", "serve the CalmSpace page and its JSON API");
  cmd->add_option("--model", *model, model_flag_help());
  cmd->add_option("--host", options->host, "address to listen on (0.0.0.0: every interface)");
  cmd->add_option("--allow-host", options->allowed_hosts,
                  "a host name the page may be opened under besides localhost and IP addresses "
                  "(repeatable; others are refused, against DNS rebinding)");
  cmd->add_option("--port", options->port, "port (0 = any free port)")->check(CLI::Range(0, 65535));
  cmd->add_option("--data", options->data_dir,
                  "data directory: the history database (analyses, results, recordings)");
  cmd->add_option("--workers", options->workers, "predictions at once (0 = hardware threads)");
  cmd->add_option("--max-batch", options->max_batch,
                  "recordings predicted together at most under load (1 = no batching)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--http-threads", options->http_threads,
                  "connections served at once (a thread each, started on demand); past it 503")
      ->check(CLI::Range(2, 65536));
  cmd->add_option("--max-per-address", options->max_per_address,
                  "connections one client address may hold open, past it 503 (loopback clients: "
                  "only the --http-threads total)")
      ->check(CLI::Range(1, 65536));
  cmd->add_option("--max-upload-mb", *upload_mb, "largest accepted upload in MiB (else 413)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-seconds", options->max_duration_s, "longest accepted recording")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-memory-mb", *memory_mb,
                  "memory the recordings being analysed may hold at once, in MiB; an upload that "
                  "needs more gets 413, others wait for their share")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch-max-seconds", options->batch_max_s,
                  "recordings up to this long are micro-batched; longer ones are analysed block "
                  "by block, at most workers - 1 at once")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--window", options->timeline.window_s, "timeline window length in seconds");
  cmd->add_option("--hop", options->timeline.hop_s, "timeline window hop in seconds");
  cmd->add_option("--timeline-min", options->timeline.min_duration_s,
                  "recordings at least this long (seconds) get a timeline");
  cmd->add_option("--live-port", options->live_port,
                  "WebSocket port of live streams (-1 = --port + 1, 0 = any free port)")
      ->check(CLI::Range(-1, 65535))
      ->capture_default_str();
  cmd->add_flag("--no-live", options->live_off, "no live streams (no WebSocket port)");
  cmd->add_option("--live-max-streams", options->live.max_streams, "live streams at once")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->add_option("--live-max-seconds", options->live.max_seconds,
                  "longest live stream in seconds (then it waits for the person to stop)")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  cmd->add_option("--personal-recipe", options->personal.recipe,
                  "fine-tuning config of \"learn from my corrections\"")
      ->capture_default_str();
  cmd->add_option("--personal-set", options->personal.overrides,
                  "section.key=value on top of --personal-recipe (repeatable)");
  cmd->add_option("--personal-min", options->personal.min_corrections,
                  "labelled analyses before \"learn from my corrections\" is offered")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  options->access_log = "-";
  cmd->add_option("--access-log", options->access_log,
                  "one Common Log Format line per request: - = standard error, a file to append "
                  "to, or none")
      ->capture_default_str();
  cmd->callback([options, model, upload_mb, memory_mb] {
    if (options->access_log == "none") options->access_log.clear();
    options->model_path = choose_model(*model);
    options->max_upload_bytes = static_cast<std::size_t>(*upload_mb * (1 << 20));
    options->max_memory_bytes = static_cast<std::int64_t>(*memory_mb * (1 << 20));
    options->web_dir = serve::default_web_dir();
    options->chart_js = serve::default_chart_js();
    if (!fs::is_regular_file(options->web_dir + "/index.html"))
      throw InputError(options->web_dir, "the page (index.html) is missing from the source tree");
    if (!fs::is_regular_file(options->chart_js))
      throw InputError(options->chart_js,
                       "Chart.js is missing: run scripts/setup.sh (npm ci installs node_modules)");
    if (!(options->timeline.window_s > 0) || !(options->timeline.hop_s > 0))
      throw InputError("--window/--hop", "must be > 0 seconds");
    serve::Server server(*options);
    std::printf("calmspace serve: %s (model %s, %d workers, data in %s)\n", server.url().c_str(),
                options->model_path.c_str(), server.pool().size(),
                fs::absolute(options->data_dir).string().c_str());
    if (server.live_port() > 0)
      std::printf("live streams on ws://%s:%d/live\n", options->host.c_str(), server.live_port());
    std::printf("listening on %s\n", server.url().c_str());
    std::fflush(stdout);
    running_server = &server;
    std::signal(SIGINT, stop_on_signal);
    std::signal(SIGTERM, stop_on_signal);
    server.run();
    running_server = nullptr;
    std::printf("calmspace serve: stopped\n");
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(serve, 80, calmspace::tools::add_serve);
