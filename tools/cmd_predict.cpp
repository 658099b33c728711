// calmspace predict INPUT... [--model M] [--format table|json|jsonl|csv] [--out FILE]
//     [--top-k K] [--quiet|--verbose] [--window S --hop S --timeline-min S] [--voice FILE...]
//     [--max-seconds S --max-memory-mb MB --threads N]
// INPUT: audio files, folders (searched recursively for audio) and `-`: one recording on standard
// input (`ffmpeg ... -f wav - | calmspace predict -`). Without --model: $CALMSPACE_MODEL, else
// the shipped model (tools/default_model.h), as serve.
// Per-class probabilities for each recording, the top ones as the Hugging Face pipeline's
// [{"label", "score"}] list, how sure the model is in words, the recording's quality warnings,
// and a timeline with its segments over long recordings (core/predict/prediction_json.h).
// Output: a table on standard output by default; --format json (one document), jsonl (one line
// per input, as it is done) or csv; --out FILE writes it there instead (atomically), and its
// extension picks the format unless --format says otherwise (a mismatch is an error).
// Files are read block by block (Predictor::predict on an AudioStream), so time grows linearly
// with a recording's length and memory stays bounded; standard input is read whole (at most
// kMaxStdinBytes). An input that cannot be read or exceeds a limit is named on stderr with the
// reason (and in json/jsonl output) and skipped; the others are predicted.
// --voice: recordings of the speaker (a neutral reading, about 20 s) enrol their voice for a model
// trained with speaker-level normalisation (core/predict/voice_enrolment.h).
// Exit status: 0 every input was predicted; 1 some inputs were skipped, or none could be
// predicted; 2 the command line is wrong.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <vector>

#include "core/audio/audio_stream.h"
#include "core/audio/decode.h"
#include "core/base/atomic_file.h"
#include "core/export/model_file.h"
#include "core/predict/prediction_json.h"
#include "core/predict/reliability.h"
#include "core/predict/voice_enrolment.h"
#include "tools/default_model.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxStdinBytes = std::size_t{2} << 30;  // 2 GiB of encoded audio
constexpr const char* kStdinName = "-";

struct PredictArgs {
  std::vector<std::string> inputs;
  std::vector<std::string> voice;  // --voice recordings to enrol
  std::string model, out, format;
  TimelineOptions timeline;
  int threads = 0, top_k = 1;
  bool quiet = false, verbose = false;
  double max_seconds = 24 * 3600;
  double max_memory_mb = 1024;
};

// One input to predict, or the reason it cannot be.
struct Input {
  std::string path, skip_reason;
};

// Audio files under a folder (recursively, sorted), by the extensions CalmSpace decodes.
std::vector<std::string> audio_files_under(const std::string& folder) {
  static const std::set<std::string> ext = {".wav", ".flac", ".ogg", ".oga",  ".opus",
                                            ".mp3", ".aiff", ".aif", ".aifc", ".au",
                                            ".caf", ".w64",  ".m4a", ".aac",  ".webm"};
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    std::string x = e.path().extension().string();
    std::transform(x.begin(), x.end(), x.begin(), ::tolower);
    if (e.is_regular_file() && ext.count(x)) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The inputs in the order given, folders expanded; `-` at most once.
std::vector<Input> expand_inputs(const std::vector<std::string>& given) {
  std::vector<Input> out;
  if (std::count(given.begin(), given.end(), kStdinName) > 1)
    throw InputError("-", "standard input can be read only once");
  for (const auto& g : given) {
    if (g != kStdinName && fs::is_directory(g)) {
      const auto files = audio_files_under(g);
      if (files.empty()) out.push_back({g, "no audio files in this folder"});
      for (const auto& f : files) out.push_back({f, ""});
    } else {
      out.push_back({g, ""});
    }
  }
  return out;
}

// Standard input, whole (it cannot be read twice), at most kMaxStdinBytes.
std::vector<std::byte> read_stdin() {
  if (isatty(STDIN_FILENO))
    throw InputError("standard input",
                     "is a terminal; pipe a recording into it (calmspace predict - < clip.wav)");
  std::vector<std::byte> bytes;
  std::vector<std::byte> block(1 << 20);
  for (;;) {
    const std::size_t n = std::fread(block.data(), 1, block.size(), stdin);
    if (n == 0) break;
    if (bytes.size() + n > kMaxStdinBytes)
      throw InputError("standard input", cat("is longer than ", kMaxStdinBytes >> 20,
                                             " MB; save it to a file and give its path"));
    bytes.insert(bytes.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n));
  }
  if (std::ferror(stdin)) throw InputError("standard input", "could not be read");
  if (bytes.empty()) throw InputError("standard input", "is empty");
  return bytes;
}

// The output format: --format, else --out's extension, else a table.
std::string output_format(const PredictArgs& a) {
  static const std::set<std::string> file_formats = {"json", "jsonl", "csv"};
  std::string by_name;
  if (!a.out.empty()) {
    by_name = fs::path(a.out).extension().string();
    if (!by_name.empty()) by_name.erase(0, 1);
    if (!file_formats.count(by_name)) by_name.clear();
  }
  if (a.format.empty()) {
    if (!a.out.empty() && by_name.empty())
      throw InputError(a.out, "--out must end in .json, .jsonl or .csv (or give --format)");
    return a.out.empty() ? "table" : by_name;
  }
  if (a.format == "table" && !a.out.empty())
    throw InputError("--format", "table goes to the terminal; write files as json, jsonl or csv");
  if (!by_name.empty() && by_name != a.format)
    throw InputError(a.out, cat("is named as ", by_name, " but --format is ", a.format));
  return a.format;
}

// On a terminal, one line redrawn in place: "[12/340] file"; nothing otherwise.
class InputProgress {
 public:
  InputProgress(bool enabled, std::size_t total)
      : enabled_(enabled && total > 1 && isatty(STDERR_FILENO)), total_(total) {}
  void start(std::size_t index, const std::string& name) {
    if (!enabled_) return;
    std::string shown = name.size() > 60 ? "..." + name.substr(name.size() - 57) : name;
    std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", index + 1, total_, shown.c_str());
    std::fflush(stderr);
  }
  void clear() {
    if (enabled_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool enabled_;
  std::size_t total_;
};

std::string table_header(int top_k) {
  std::string h = cat("file", std::string(56, ' '), "  duration  ");
  h += top_k == 1 ? "emotion     score" : cat("top ", top_k, " (emotion score)");
  return h + "  certainty\n";
}

std::string table_row(const std::string& file, const Prediction& p,
                      const std::vector<std::string>& labels, const nlohmann::json& j, int top_k) {
  char head[160];
  std::snprintf(head, sizeof head, "%-60s %7.2f s  ", file.c_str(), p.duration_s);
  std::string row = head;
  for (int c : ranked_classes(p.probabilities, top_k)) {
    char cell[64];
    std::snprintf(cell, sizeof cell, "%-10s %.3f  ", labels[c].c_str(), p.probabilities[c]);
    row += cell;
  }
  row += j["certainty"]["level"].get<std::string>();
  if (!p.timeline.empty()) row += cat("  (", p.timeline.size(), " windows)");
  for (const auto& w : p.quality.warnings) row += "  [" + w.code + "]";
  return row + "\n";
}

// The members with the voice of `recordings` enrolled (its statistics over all of them).
std::vector<Checkpoint> enrol_voice(const std::vector<Checkpoint>& members,
                                    const std::string& model,
                                    const std::vector<std::string>& files) {
  AudioOptions options = members.front().config(model).audio;
  std::vector<std::vector<float>> recordings;
  recordings.reserve(files.size());
  for (const std::string& f : files) recordings.push_back(load_audio(f, options).samples);
  const FeatureStats voice = voice_statistics(members.front(), model, recordings);
  std::vector<Checkpoint> enrolled;
  enrolled.reserve(members.size());
  for (const Checkpoint& m : members) enrolled.push_back(enrolled_model(m, model, voice));
  return enrolled;
}

void add_predict(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand("predict", "predict the emotion of recordings");
  cmd->footer(
      "Exit status: 0 every input was predicted; 1 some inputs were skipped (each named on "
      "stderr) or none could be predicted; 2 the command line is wrong.");
  cmd->add_option("INPUT", args->inputs,
                  "audio files, folders of audio files, or - for one recording on standard input")
      ->required();
  cmd->add_option("--model", args->model, model_flag_help());
  cmd->add_option("--format", args->format,
                  "table (default on a terminal), json, jsonl (a line per input) or csv")
      ->check(CLI::IsMember({"table", "json", "jsonl", "csv"}));
  cmd->add_option("--out", args->out,
                  "write to this file instead of standard output (.json, .jsonl or .csv)");
  cmd->add_option("--top-k", args->top_k,
                  "classes to list per recording, likeliest first (table and json `scores`); "
                  "0 = all")
      ->check(CLI::NonNegativeNumber);
  auto* quiet = cmd->add_flag("--quiet,-q", args->quiet,
                              "no progress or summary on stderr; skipped inputs are still named");
  cmd->add_flag("--verbose,-v", args->verbose, "say which model runs and time each input")
      ->excludes(quiet);
  cmd->add_option("--window", args->timeline.window_s, "timeline window length in seconds");
  cmd->add_option("--hop", args->timeline.hop_s, "timeline window hop in seconds");
  cmd->add_option("--timeline-min", args->timeline.min_duration_s,
                  "recordings at least this long (seconds) get a timeline");
  cmd->add_option("--threads", args->threads, "threads; 0 = all cores")->check(CLI::Range(0, 1024));
  cmd->add_option("--max-seconds", args->max_seconds,
                  "longest recording accepted, in seconds (0 = no limit)")
      ->capture_default_str();
  cmd->add_option("--max-memory-mb", args->max_memory_mb,
                  "memory one recording's prediction may use, in MB (0 = no limit); only models "
                  "or features that need the whole recording at once grow with its length")
      ->capture_default_str();
  cmd->add_option("--voice", args->voice,
                  "recordings of the speaker's voice, e.g. a neutral reading of about 20 s "
                  "(repeat --voice for more): enrols it, for a model trained with "
                  "features.speaker_norm")
      ->allow_extra_args(false);
  cmd->callback([args] {
    // A contradictory command line is a usage error (exit status 2), as a bad option is.
    std::string format;
    std::vector<Input> inputs;
    try {
      format = output_format(*args);
      inputs = expand_inputs(args->inputs);
    } catch (const InputError& e) {
      throw CLI::ValidationError(e.what());
    }
    if (!(args->timeline.window_s > 0) || !(args->timeline.hop_s > 0) ||
        !std::isfinite(args->timeline.window_s) || !std::isfinite(args->timeline.hop_s))
      throw InputError("--window/--hop", "must be finite numbers of seconds > 0");
    if (!(args->max_seconds >= 0)) throw InputError("--max-seconds", "must be >= 0");
    if (!(args->max_memory_mb >= 0)) throw InputError("--max-memory-mb", "must be >= 0");
    args->model = choose_model(args->model);
    std::vector<Checkpoint> members = load_model_members(args->model);
    if (!args->voice.empty()) members = enrol_voice(members, args->model, args->voice);
    Predictor predictor(members, args->threads);
    predictor.set_memory_budget(static_cast<std::int64_t>(args->max_memory_mb * (1 << 20)));
    AudioOptions audio_options = predictor.config().audio;
    audio_options.max_duration_s = args->max_seconds > 0 ? args->max_seconds : 1e300;
    audio_options.max_duration_name = "--max-seconds";
    const auto& labels = predictor.labels();
    const std::string reliability = reliability_sentence(predictor.config().model, labels.size());
    if (args->verbose)
      std::fprintf(stderr, "model %s: %zu classes, %d member(s), temperature %.3g\n",
                   args->model.c_str(), labels.size(), predictor.num_members(),
                   predictor.config().model.temperature);

    // Text formats stream to standard output as each input is done; a file is written once,
    // atomically, at the end.
    const bool to_stdout = args->out.empty();
    std::string text;
    const auto emit = [&](const std::string& s) {
      if (to_stdout && format != "json") {
        std::fputs(s.c_str(), stdout);
        std::fflush(stdout);
      } else {
        text += s;
      }
    };
    const int top_k = args->top_k;
    if (format == "table") emit(table_header(top_k == 0 ? static_cast<int>(labels.size()) : top_k));
    if (format == "csv") emit(predictions_csv_header(labels));
    nlohmann::json results = nlohmann::json::array(), skipped = nlohmann::json::array();
    InputProgress progress(!args->quiet, inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const Input& in = inputs[i];
      const auto started = std::chrono::steady_clock::now();
      progress.start(i, in.path);
      try {
        if (!in.skip_reason.empty()) throw InputError(in.path, in.skip_reason);
        Prediction p;
        if (in.path == kStdinName) {
          const std::vector<std::byte> bytes = read_stdin();
          p = predictor.predict(decode_audio(bytes, "standard input", audio_options).samples,
                                args->timeline);
        } else {
          const auto audio = AudioStream::open(in.path, audio_options);
          p = predictor.predict(*audio, args->timeline);
        }
        const nlohmann::json j = prediction_json(in.path, p, labels, reliability, top_k);
        progress.clear();
        if (format == "table") emit(table_row(in.path, p, labels, j, top_k == 0 ? 0 : top_k));
        if (format == "csv") emit(prediction_csv_rows(in.path, p, labels));
        if (format == "jsonl") emit(j.dump() + "\n");
        results.push_back(j);
        if (args->verbose)
          std::fprintf(
              stderr, "%s: %.2f s of audio in %.3f s\n", in.path.c_str(), p.duration_s,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      } catch (const InputError& e) {
        progress.clear();
        const std::string name = in.path == kStdinName ? "standard input" : in.path;
        std::fprintf(stderr, "skipped %s: %s\n", name.c_str(), e.reason().c_str());
        skipped.push_back({{"file", in.path}, {"reason", e.reason()}});
        if (format == "jsonl")
          emit(nlohmann::json{{"file", in.path}, {"skipped", e.reason()}}.dump() + "\n");
      }
    }
    if (format == "table" && !results.empty()) emit("\n" + reliability + "\n");
    if (format == "json")
      text = nlohmann::json{{"model", args->model},
                            {"labels", labels},
                            {"reliability", reliability},
                            {"predictions", results},
                            {"skipped", skipped}}
                 .dump(2) +
             "\n";
    if (!to_stdout)
      write_text_file_atomic(args->out, text);
    else if (format == "json")
      std::fputs(text.c_str(), stdout);
    if (!args->quiet)
      std::fprintf(stderr, "predicted %zu input(s), skipped %zu%s\n", results.size(),
                   skipped.size(), to_stdout ? "" : cat(" -> ", args->out).c_str());
    if (results.empty()) throw InputError(args->inputs[0], "no recording could be predicted");
    // The predictions are written; the exit status still says that some recordings failed.
    if (!skipped.empty())
      throw InputError("predict", cat(skipped.size(), " of ", skipped.size() + results.size(),
                                      " inputs could not be predicted (named above)"));
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(predict, 60, calmspace::tools::add_predict);
