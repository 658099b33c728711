// calmspace predict FILE|DIR [--model RUN_DIR|CHECKPOINT.h5|EXPORT.safetensors] [--out
// X.csv|X.json] Without --model: $CALMSPACE_MODEL, else the shipped model (tools/default_model.h),
// as serve. Per-class probabilities for each recording, and a timeline with its segments over long
// recordings. Each file is read block by block (Predictor::predict on an AudioStream), so time
// grows linearly with its length and memory stays bounded; the limits are --max-seconds and
// --max-memory-mb. Files that fail to decode or exceed a limit are reported on stderr and
// skipped; the rest are predicted.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <vector>

#include "core/audio/audio_stream.h"
#include "core/base/atomic_file.h"
#include "core/predict/prediction_json.h"
#include "core/run/model_file.h"
#include "tools/default_model.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

namespace fs = std::filesystem;

// Audio files under a folder (recursively, sorted), by the extensions libsndfile decodes.
std::vector<std::string> audio_files(const std::string& input) {
  if (!fs::is_directory(input)) return {input};
  static const std::set<std::string> ext = {".wav",  ".flac", ".ogg",  ".oga", ".opus", ".mp3",
                                            ".aiff", ".aif",  ".aifc", ".au",  ".caf",  ".w64"};
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(input)) {
    std::string x = e.path().extension().string();
    std::transform(x.begin(), x.end(), x.begin(), ::tolower);
    if (e.is_regular_file() && ext.count(x)) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw InputError(input, "no audio files in this folder");
  return files;
}

struct PredictArgs {
  std::string input, model, out;
  TimelineOptions timeline;
  int threads = 0;
  double max_seconds = 24 * 3600;
  double max_memory_mb = 1024;
};

void add_predict(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand("predict", "predict the emotion of recordings");
  cmd->add_option("INPUT", args->input, "audio file or folder of audio files")->required();
  cmd->add_option("--model", args->model, model_flag_help());
  cmd->add_option("--out", args->out, "write predictions to .json or .csv (default: a table)");
  cmd->add_option("--window", args->timeline.window_s, "timeline window length in seconds");
  cmd->add_option("--hop", args->timeline.hop_s, "timeline window hop in seconds");
  cmd->add_option("--timeline-min", args->timeline.min_duration_s,
                  "recordings at least this long (seconds) get a timeline");
  cmd->add_option("--threads", args->threads, "threads; 0 = all cores");
  cmd->add_option("--max-seconds", args->max_seconds,
                  "longest recording accepted, in seconds (0 = no limit)")
      ->capture_default_str();
  cmd->add_option("--max-memory-mb", args->max_memory_mb,
                  "memory one recording's prediction may use, in MB (0 = no limit); only models "
                  "or features that need the whole recording at once grow with its length")
      ->capture_default_str();
  cmd->callback([args] {
    const std::string ext = fs::path(args->out).extension().string();
    if (!args->out.empty() && ext != ".json" && ext != ".csv")
      throw InputError(args->out, "output must end in .json or .csv");
    if (!(args->timeline.window_s > 0) || !(args->timeline.hop_s > 0))
      throw InputError("--window/--hop", "must be > 0 seconds");
    if (!(args->max_seconds >= 0)) throw InputError("--max-seconds", "must be >= 0");
    if (!(args->max_memory_mb >= 0)) throw InputError("--max-memory-mb", "must be >= 0");
    args->model = choose_model(args->model);
    const std::vector<Checkpoint> members = load_model_members(args->model);
    Predictor predictor(members, args->threads);
    predictor.set_memory_budget(static_cast<std::int64_t>(args->max_memory_mb * (1 << 20)));
    AudioOptions audio_options = predictor.config().audio;
    audio_options.max_duration_s = args->max_seconds > 0 ? args->max_seconds : 1e300;
    audio_options.max_duration_name = "--max-seconds";
    const auto& labels = predictor.labels();
    nlohmann::json results = nlohmann::json::array(), skipped = nlohmann::json::array();
    std::string csv = predictions_csv_header(labels);
    for (const auto& file : audio_files(args->input)) {
      try {
        const auto audio = AudioStream::open(file, audio_options);
        const Prediction p = predictor.predict(*audio, args->timeline);
        results.push_back(prediction_json(file, p, labels));
        csv += prediction_csv_rows(file, p, labels);
        if (args->out.empty()) {
          std::string notes = p.timeline.empty() ? "" : cat("  (", p.timeline.size(), " windows)");
          for (const auto& w : p.quality.warnings) notes += "  [" + w.code + "]";
          std::printf("%-60s %6.2f s  %-10s %.3f%s\n", file.c_str(), p.duration_s,
                      labels[p.predicted].c_str(), p.probabilities[p.predicted], notes.c_str());
        }
      } catch (const InputError& e) {
        std::fprintf(stderr, "skipped %s: %s\n", file.c_str(), e.reason().c_str());
        skipped.push_back({{"file", file}, {"reason", e.reason()}});
      }
    }
    if (ext == ".json")
      write_text_file_atomic(args->out, nlohmann::json{{"model", args->model},
                                                       {"labels", labels},
                                                       {"predictions", results},
                                                       {"skipped", skipped}}
                                                .dump(2) +
                                            "\n");
    else if (ext == ".csv")
      write_text_file_atomic(args->out, csv);
    std::fprintf(stderr, "predicted %zu file(s), skipped %zu\n", results.size(), skipped.size());
    if (results.empty()) throw InputError(args->input, "no recording could be predicted");
    // The predictions are written; the exit status still says that some recordings failed.
    if (!skipped.empty())
      throw InputError(args->input, cat(skipped.size(), " of ", skipped.size() + results.size(),
                                        " recordings could not be predicted (listed above)"));
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(predict, 60, calmspace::tools::add_predict);
