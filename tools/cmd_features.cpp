// calmspace features FILE --out OUT.csv|OUT.npy: one recording's features, one row per frame,
// for inspection and for other tools. .npy holds (frames, dim) float32; .csv has a header row
// (time_s, then one column per value) and the frame centre time in seconds first. --device cuda
// computes them with the CUDA backend (same options, same layout).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/atomic_file.h"
#include "core/audio/decode.h"
#include "core/features/feature_extractor.h"
#include "core/io/npy.h"
#include "cuda/feature_extractor_cuda.h"
#include "tools/config_args.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

std::vector<std::string> column_names(const FeatureOptions& f, int sample_rate) {
  const char* stem = f.kind == FeatureKind::LogMel ? "mel"
                     : f.kind == FeatureKind::Mfcc ? "mfcc"
                                                   : "bin";
  std::vector<std::string> names;
  for (int order = 0; order <= f.deltas; ++order)
    for (int i = 0; i < f.base_dim(sample_rate); ++i)
      names.push_back(std::string(order == 0   ? ""
                                  : order == 1 ? "d_"
                                               : "dd_") +
                      stem + "_" + std::to_string(i));
  return names;
}

// Time of frame t's centre in seconds (centred frames: t*hop; snip edges: t*hop + win/2).
double frame_time(const FeatureOptions& f, int sample_rate, std::int64_t t) {
  const double start = double(t) * f.hop_length(sample_rate);
  return (f.center ? start : start + f.win_length(sample_rate) / 2.0) / sample_rate;
}

void write_csv(const std::string& path, const FeatureMatrix& m, const FeatureOptions& f,
               int sample_rate) {
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path());
    if (!out) throw InputError(path, "cannot open for writing");
    out << "time_s";
    for (const auto& name : column_names(f, sample_rate)) out << ',' << name;
    out << '\n';
    char number[32];
    for (std::int64_t t = 0; t < m.frames; ++t) {
      std::snprintf(number, sizeof number, "%.6f", frame_time(f, sample_rate, t));
      out << number;
      for (std::int64_t k = 0; k < m.dim; ++k) {
        std::snprintf(number, sizeof number, "%.9g", m.at(t, k));  // float32 round-trips
        out << ',' << number;
      }
      out << '\n';
    }
    if (!out) throw InputError(path, "write failed (disk full?)");
  }
  file.commit();
}

void add_features(CLI::App& app) {
  auto* cmd = app.add_subcommand("features", "write one recording's features (one row per frame)");
  static std::string input;
  static std::string output;
  static ConfigArgs config_args;
  static std::string device = "cpu";
  cmd->add_option("FILE", input, "audio file (WAV, FLAC, OGG, AIFF, MP3, ...)")->required();
  cmd->add_option("--device", device, "feature backend: cpu, or cuda (GPU 0)")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  cmd->add_option("--out", output, "output .csv (header + one row per frame) or .npy (frames, dim)")
      ->required();
  add_config_args(cmd, config_args);
  cmd->callback([cmd] {
    auto config = resolve_config_args(cmd, config_args);
    if (!config) return;
    const std::string ext = std::filesystem::path(output).extension().string();
    if (ext != ".csv" && ext != ".npy") throw InputError(output, "output must end in .csv or .npy");
    const Audio audio = load_audio(input, config->audio);
    auto extractor = device == "cuda"
                         ? make_cuda_feature_extractor(config->features, config->audio.sample_rate)
                         : make_cpu_feature_extractor(config->features, config->audio.sample_rate);
    const FeatureMatrix m = extractor->extract(audio.samples);
    if (ext == ".npy")
      write_npy(output, {m.frames, m.dim}, m.data);
    else
      write_csv(output, m, config->features, config->audio.sample_rate);
    write_config_beside(*config, output);
    std::cerr << input << ": " << audio.duration_s() << " s -> " << m.frames << " frames x "
              << m.dim << " values -> " << output << "\n";
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(features, 30, calmspace::tools::add_features);
