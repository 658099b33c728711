// calmspace listen [--model M] [--input -|PATH] [--format auto|wav|s16le|f32le] [--rate HZ]
//     [--channels N] [--hop S] [--window S] [--bars] [--max-seconds S] [--max-memory-mb MB]
//     [--threads N]
// The emotion in a voice while it speaks: live audio from standard input (or a FIFO),
//   arecord -f S16_LE -r 16000 -c 1 | calmspace listen
//   ffmpeg -f pulse -i default -ac 1 -ar 16000 -f s16le - | calmspace listen --format s16le
// and, every --hop seconds of audio, the last --window seconds as a clip of their own and the
// stream so far (core/predict/live_stream.h), as one JSON line (live_update_json in
// core/predict/prediction_json.h) after a first line describing the stream; with --bars a line a
// person reads (on a terminal, redrawn in place). At the end of the input, or on Ctrl-C, the last
// line ("final": true) holds the whole stream's prediction, equal to `calmspace predict` of the
// same audio. Exit status: 0 done; 1 the input could not be read or was too short; 2 the command
// line is wrong.
#include <unistd.h>

#include <fcntl.h>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "core/audio/pcm_stream.h"
#include "core/base/error.h"
#include "core/export/model_file.h"
#include "core/predict/live_stream.h"
#include "core/predict/prediction_json.h"
#include "tools/default_model.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

std::atomic<bool> g_stop{false};

// Ctrl-C ends the stream (the next read returns as at its end) and the final line is printed; a
// second Ctrl-C stops at once (SA_RESETHAND restores the default action).
void on_interrupt(int /*signal*/) {
  g_stop.store(true);
}

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  action.sa_flags = SA_RESETHAND;  // no SA_RESTART: a blocked read() returns EINTR
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

const CLI::Validator kPositiveSeconds(
    [](const std::string& text) -> std::string {
      double v = 0;
      return CLI::detail::lexical_cast(text, v) && std::isfinite(v) && v > 0
                 ? ""
                 : "must be a positive number of seconds, not " + text;
    },
    "SECONDS > 0");

struct ListenArgs {
  std::string model, input = "-";
  PcmInput pcm;
  LiveOptions live;
  bool bars = false;
  int threads = 1;
  double max_seconds = 0;
  double max_memory_mb = 1024;
};

// "angry  61% ████████████░░░░░░░░" for a probability.
std::string bar(const std::string& label, float p, int width) {
  const int full = std::clamp(static_cast<int>(std::lround(p * width)), 0, width);
  std::string s = label;
  s.resize(std::max<std::size_t>(s.size(), 9), ' ');
  char percent[8];
  std::snprintf(percent, sizeof percent, "%3d%% ", static_cast<int>(std::lround(p * 100)));
  s += percent;
  for (int i = 0; i < width; ++i) s += i < full ? "\u2588" : "\u2591";
  return s;
}

std::string bars_line(const LiveUpdate& u, const std::vector<std::string>& labels) {
  char head[64];
  std::snprintf(head, sizeof head, "%8.2f s %5.0f dBFS  ", u.time_s, u.level_dbfs);
  std::string line = head;
  if (u.window.empty()) {
    line += "(listening)";
  } else {
    const auto w = static_cast<std::size_t>(u.window_predicted);
    line += "now " + bar(labels[w], u.window[w], 20);
  }
  if (!u.so_far.empty()) {
    const auto s = static_cast<std::size_t>(u.so_far_predicted);
    char percent[16];
    std::snprintf(percent, sizeof percent, " %d%%",
                  static_cast<int>(std::lround(u.so_far[s] * 100)));
    line += std::string(u.final ? "  whole: " : "  so far: ") + labels[s] + percent;
  }
  return line;
}

void add_listen(CLI::App& app) {
  auto args = std::make_shared<ListenArgs>();
  auto* cmd = app.add_subcommand(
      "listen", "the emotion in a live voice: audio on standard input, a line every hop");
  cmd->add_option("--model", args->model, model_flag_help());
  cmd->add_option("--input", args->input,
                  "where the audio comes from: - (standard input), a FIFO or a file")
      ->capture_default_str();
  cmd->add_option("--format", args->pcm.format,
                  "auto (WAV when it starts with RIFF, else s16le), wav, s16le or f32le")
      ->capture_default_str();
  cmd->add_option("--rate", args->pcm.rate, "raw input's sample rate in Hz (default: the model's)")
      ->check(CLI::Range(0, 768000));
  cmd->add_option("--channels", args->pcm.channels, "raw input's channels (averaged)")
      ->capture_default_str();
  cmd->add_option("--hop", args->live.hop_s, "seconds of audio between updates")
      ->check(kPositiveSeconds)
      ->capture_default_str();
  cmd->add_option("--window", args->live.window_s, "length of the 'now' window in seconds")
      ->check(kPositiveSeconds)
      ->capture_default_str();
  cmd->add_flag("--bars", args->bars, "a line a person reads instead of JSON");
  cmd->add_option("--threads", args->threads, "threads; 0 = all cores")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  cmd->add_option("--max-seconds", args->max_seconds,
                  "stop with an error after this many seconds of audio (0 = no limit)")
      ->capture_default_str();
  cmd->add_option("--max-memory-mb", args->max_memory_mb,
                  "memory the stream may hold, in MB (0 = no limit); only models whose features "
                  "need the whole recording (CMVN) hold features that grow with its length")
      ->capture_default_str();
  cmd->callback([args] {
    if (!(args->max_seconds >= 0)) throw InputError("--max-seconds", "must be >= 0");
    if (!(args->max_memory_mb >= 0)) throw InputError("--max-memory-mb", "must be >= 0");
    args->model = choose_model(args->model);
    const std::vector<Checkpoint> members = load_model_members(args->model);
    Predictor predictor(members, args->threads);
    predictor.set_memory_budget(static_cast<std::int64_t>(args->max_memory_mb * (1 << 20)));
    LiveStream live(predictor, args->live);  // checks --hop and --window before any audio

    int fd = STDIN_FILENO;
    const std::string name = args->input == "-" ? "standard input" : args->input;
    if (args->input != "-") {
      fd = ::open(args->input.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw InputError(args->input, cat("cannot be opened: ", std::strerror(errno)));
    }
    install_interrupt_handler();
    AudioOptions audio = predictor.config().audio;
    audio.max_duration_s = args->max_seconds > 0 ? args->max_seconds : 1e300;
    audio.max_duration_name = "--max-seconds";
    const auto stream = open_pcm_stream(fd, name, args->pcm, audio, &g_stop);

    const auto& labels = predictor.labels();
    const bool redraw = args->bars && isatty(STDOUT_FILENO) == 1;
    const auto print = [&](const LiveUpdate& u) {
      if (!args->bars) {
        std::printf("%s\n", live_update_json(u, labels).dump().c_str());
      } else if (redraw) {
        std::printf("\r\033[K%s%s", bars_line(u, labels).c_str(), u.final ? "\n" : "");
      } else {
        std::printf("%s\n", bars_line(u, labels).c_str());
      }
      std::fflush(stdout);
    };
    const AudioSourceInfo& source = stream->source();
    if (args->bars) {
      std::fprintf(stderr, "listening to %s (%s, %d Hz, %d channel(s)); so-far %s\n", name.c_str(),
                   source.format.c_str(), source.rate, source.channels, live.so_far_mode().c_str());
    } else {
      const nlohmann::json head = {{"listen",
                                    {{"model", args->model},
                                     {"labels", labels},
                                     {"input", name},
                                     {"input_format", source.format},
                                     {"input_rate", source.rate},
                                     {"input_channels", source.channels},
                                     {"sample_rate", predictor.sample_rate()},
                                     {"hop_s", args->live.hop_s},
                                     {"window_s", args->live.window_s},
                                     {"so_far", live.so_far_mode()}}}};
      std::printf("%s\n", head.dump().c_str());
      std::fflush(stdout);
    }

    // Small reads: an update leaves as soon as its hop of audio has arrived.
    std::vector<float> block(static_cast<std::size_t>(predictor.sample_rate() / 50));  // 20 ms
    std::vector<LiveUpdate> updates;
    for (;;) {
      const std::size_t n = stream->read(block);
      updates.clear();
      live.push({block.data(), n}, updates);
      for (const LiveUpdate& u : updates) print(u);
      if (n < block.size()) break;
    }
    if (fd != STDIN_FILENO) ::close(fd);
    print(live.finish());
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(listen, 62, calmspace::tools::add_listen);
