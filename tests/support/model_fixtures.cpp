#include "support/model_fixtures.h"

#include <cmath>
#include <fstream>
#include <numbers>

#include "core/model/sequence_model.h"
#include "support/test_support.h"

namespace calmspace::testing {

Checkpoint fixture_checkpoint(std::uint64_t seed, bool speaker_norm) {
  Config config;
  config.features.n_mels = 16;
  config.features.center = false;
  if (speaker_norm) config.features.speaker_norm = Cmvn::Mean;
  config.model.cell = CellKind::Gru;
  config.model.hidden_size = 8;
  config.model.num_layers = 1;
  config.model.bidirectional = true;
  Checkpoint c;
  c.config_yaml = config.to_yaml();
  c.labels = kRavdessLabels;
  const int f = config.features.feature_dim(config.audio.sample_rate);
  c.layout = parameter_layout(config.model, f, static_cast<int>(c.labels.size()));
  c.weights = white_noise(c.layout.back().offset + c.layout.back().size, 0.4, seed);
  // Log-mel levels of the signals below are around -8 .. 2; less their mean, around 0.
  c.norm_mean.assign(f, speaker_norm ? 0.0f : -8.0f);
  c.norm_std.assign(f, 4.0f);
  return c;
}

void write_fixture_model(const std::filesystem::path& h5_path, const std::string& card_text,
                         bool speaker_norm) {
  save_checkpoint(h5_path.string(), fixture_checkpoint(7, speaker_norm));
  std::ofstream(std::filesystem::path(h5_path).replace_extension(".md")) << card_text;
}

std::vector<float> voice_like(double seconds, int sample_rate, std::uint64_t seed) {
  const auto n = static_cast<std::size_t>(seconds * sample_rate);
  std::vector<float> out = white_noise(static_cast<std::int64_t>(n), 0.01, seed);
  double phase = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = double(i) / sample_rate;
    const double f0 = 170 + 50 * std::sin(2 * std::numbers::pi * 0.7 * t);
    phase += 2 * std::numbers::pi * f0 / sample_rate;
    const double envelope = 0.5 * (1 - std::cos(2 * std::numbers::pi * 4 * t));
    double v = 0;
    for (int h = 1; h <= 8; ++h) v += std::sin(h * phase) / h;
    out[i] += static_cast<float>(0.25 * envelope * v);
  }
  return out;
}

}  // namespace calmspace::testing
