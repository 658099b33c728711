// calmspace features FILE --out OUT.csv|OUT.npy: one recording's features, one row per frame,
// for inspection and for other tools. .npy holds (frames, dim) float32; .csv has a header row
// (time_s, then one column per value) and the frame centre time in seconds first.
// On the CPU (the default) the file is read and its features computed and written block by block
// (AudioStream -> FeatureStream -> the output), the frames of each block spread over
// features.num_threads threads: memory stays bounded whatever the recording's length (features
// with CMVN hold their rows until the end). --device cuda[:N] computes them with the CUDA backend
// (same options, same layout) from the whole recording.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/audio/audio_stream.h"
#include "core/audio/decode.h"
#include "core/audio/trim.h"
#include "core/base/atomic_file.h"
#include "core/base/device.h"
#include "core/base/npy.h"
#include "core/features/cpu_feature_extractor.h"
#include "core/features/feature_extractor.h"
#include "core/features/feature_stream.h"
#include "core/features/recording_norm.h"
#include "tools/config_args.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

std::vector<std::string> column_names(const FeatureOptions& f, int sample_rate) {
  const char* stem = f.kind == FeatureKind::LogMel ? "mel"
                     : f.kind == FeatureKind::Mfcc ? "mfcc"
                                                   : "bin";
  std::vector<std::string> base;
  base.reserve(static_cast<std::size_t>(f.base_dim(sample_rate)));
  for (int i = 0; i < f.spectral_dim(sample_rate); ++i)
    base.push_back(std::string(stem) + "_" + std::to_string(i));
  if (f.has_pitch()) {
    base.emplace_back("voicing");
    base.emplace_back("log_f0");
  }
  if (f.has_energy()) base.emplace_back("log_energy");
  std::vector<std::string> names;
  for (int order = 0; order <= f.deltas; ++order)
    for (const auto& name : base)
      names.push_back(std::string(order == 0 ? "" : order == 1 ? "d_" : "dd_") + name);
  return names;
}

// Time of frame t's centre in seconds (centred frames: t*hop; snip edges: t*hop + win/2).
double frame_time(const FeatureOptions& f, int sample_rate, std::int64_t t) {
  const double start = double(t) * f.hop_length(sample_rate);
  return (f.center ? start : start + f.win_length(sample_rate) / 2.0) / sample_rate;
}

// Rows to a .npy or a .csv, a block at a time; nothing at the path before commit(). A NaN or an
// infinity is an error naming the input and the frame (issue 20), never a file of garbage.
class RowSink {
 public:
  RowSink(const std::string& path, const std::string& input, const FeatureOptions& f,
          int sample_rate)
      : input_(input), f_(f), rate_(sample_rate), dim_(f.feature_dim(sample_rate)) {
    if (std::filesystem::path(path).extension() == ".npy") {
      npy_.emplace(path, dim_);
      return;
    }
    csv_file_.emplace(path);
    csv_.open(csv_file_->temp_path());
    if (!csv_) throw InputError(path, "cannot open for writing");
    csv_ << "time_s";
    for (const auto& name : column_names(f, sample_rate)) csv_ << ',' << name;
    csv_ << '\n';
  }

  // Times of the rows to come start at offset_s: their first sample's place in the recording
  // (a recording whose leading silence was cut, audio.trim_db).
  void set_offset_s(double offset_s) { offset_s_ = offset_s; }

  void append(const std::vector<float>& rows) {
    const auto n = static_cast<std::int64_t>(rows.size()) / dim_;
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (!std::isfinite(rows[i])) {
        const std::int64_t frame = rows_written() + static_cast<std::int64_t>(i) / dim_;
        throw InputError(input_,
                         cat("gives a non-finite feature value at frame ", frame, " (",
                             offset_s_ + frame_time(f_, rate_, frame), " s); nothing was written"));
      }
    if (npy_) return npy_->append(rows.data(), n);
    char number[32];
    std::string text;
    for (std::int64_t t = 0; t < n; ++t, ++written_) {
      std::snprintf(number, sizeof number, "%.6f", offset_s_ + frame_time(f_, rate_, written_));
      text += number;
      for (std::int64_t k = 0; k < dim_; ++k) {
        std::snprintf(number, sizeof number, ",%.9g", rows[t * dim_ + k]);  // float32 round-trips
        text += number;
      }
      text += '\n';
    }
    csv_ << text;
  }

  std::int64_t rows() const { return rows_written(); }

  void commit() {
    if (npy_) return npy_->commit();
    csv_.close();
    if (!csv_) throw InputError(csv_file_->final_path(), "write failed (disk full?)");
    csv_file_->commit();
  }

 private:
  std::int64_t rows_written() const { return npy_ ? npy_->rows() : written_; }

  std::string input_;
  FeatureOptions f_;
  int rate_, dim_;
  std::optional<NpyRowWriter> npy_;
  std::optional<AtomicFile> csv_file_;
  std::ofstream csv_;
  std::int64_t written_ = 0;
  double offset_s_ = 0;
};

// The CPU path: block by block.
double stream_features(const std::string& input, const Config& config, RowSink& sink) {
  const auto audio = AudioStream::open(input, config.audio);
  const CpuFeatureExtractor extractor(config.features, config.audio.sample_rate);
  FeatureStream features(extractor, config.features.num_threads);
  std::vector<float> block(std::size_t{1} << 17), rows, held;
  // CMVN, prosody: every row before any is final
  const bool hold = features.needs_whole_recording();
  const auto take = [&] {
    if (hold)
      held.insert(held.end(), rows.begin(), rows.end());
    else
      sink.append(rows);
    rows.clear();
  };
  for (;;) {
    const std::size_t n = audio->read(block);
    features.push({block.data(), n}, rows);
    take();
    if (n < block.size()) break;
  }
  features.finish(rows);
  take();
  if (hold) {
    finish_recording(held.data(), features.rows_out(), config.features, config.audio.sample_rate);
    sink.append(held);
  }
  return double(features.samples_in()) / config.audio.sample_rate;
}

void add_features(CLI::App& app) {
  auto* cmd = app.add_subcommand("features", "write one recording's features (one row per frame)");
  static std::string input;
  static std::string output;
  static ConfigArgs config_args;
  static std::string device = "cpu";
  cmd->add_option("FILE", input, "audio file (WAV, FLAC, OGG, AIFF, MP3, ...)")->required();
  cmd->add_option("--device", device,
                  "feature backend: cpu (block by block), cuda or cuda:N (the whole recording on "
                  "the GPU), or auto (the GPU when one is usable)")
      ->capture_default_str();
  cmd->add_option("--out", output, "output .csv (header + one row per frame) or .npy (frames, dim)")
      ->required();
  add_config_args(cmd, config_args);
  cmd->callback([cmd] {
    auto config = resolve_config_args(cmd, config_args);
    if (!config) return;
    config->features = utterance_features(config->features);  // one file: no speaker statistics
    const std::string ext = std::filesystem::path(output).extension().string();
    if (ext != ".csv" && ext != ".npy") throw InputError(output, "output must end in .csv or .npy");
    const int rate = config->audio.sample_rate;
    RowSink sink(output, input, config->features, rate);
    double seconds = 0;
    // The CUDA path, and audio.trim_db (whose cut needs the whole recording): all at once.
    if (resolve_device(device, "--device").cuda || config->audio.trim_db > 0) {
      const Audio audio = load_audio(input, config->audio);
      const SampleRange kept = kept_range(audio.samples, config->audio);
      sink.set_offset_s(double(kept.begin) / rate);
      const FeatureMatrix m = make_feature_extractor(config->features, rate, device, "--device")
                                  ->extract(std::span<const float>(audio.samples)
                                                .subspan(static_cast<std::size_t>(kept.begin),
                                                         static_cast<std::size_t>(kept.size())));
      sink.append(m.data);
      seconds = audio.duration_s();
    } else {
      seconds = stream_features(input, *config, sink);
    }
    sink.commit();
    write_config_beside(*config, output);
    std::cerr << input << ": " << seconds << " s -> " << sink.rows() << " frames x "
              << config->features.feature_dim(rate) << " values -> " << output << "\n";
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(features, 30, calmspace::tools::add_features);
