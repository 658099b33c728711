#include "core/config/feature_options.h"
#include "core/base/device.h"
#include "core/config/option_limits.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>

#include <cmath>

namespace calmspace {

int FeatureOptions::win_length(int sample_rate) const {
  return static_cast<int>(std::lround(win_ms * 1e-3 * sample_rate));
}

int FeatureOptions::hop_length(int sample_rate) const {
  return static_cast<int>(std::lround(hop_ms * 1e-3 * sample_rate));
}

int FeatureOptions::fft_size(int sample_rate) const {
  if (n_fft > 0) return n_fft;
  int size = 1;
  while (size < win_length(sample_rate)) size *= 2;
  return size;
}

int FeatureOptions::spectral_dim(int sample_rate) const {
  switch (kind) {
    case FeatureKind::Spectrogram:
      return num_bins(sample_rate);
    case FeatureKind::LogMel:
      return n_mels;
    case FeatureKind::Mfcc:
      return n_mfcc;
  }
  return 0;
}

bool FeatureOptions::has_pitch() const {
  return std::find(extra.begin(), extra.end(), "pitch") != extra.end();
}

bool FeatureOptions::has_energy() const {
  return std::find(extra.begin(), extra.end(), "energy") != extra.end();
}

std::int64_t FeatureOptions::num_frames(std::int64_t num_samples, int sample_rate) const {
  const std::int64_t hop = hop_length(sample_rate);
  const std::int64_t win = win_length(sample_rate);
  if (num_samples <= 0) return 0;
  if (center) return 1 + num_samples / hop;
  if (num_samples < win) return 0;
  return 1 + (num_samples - win) / hop;
}

void FeatureOptions::validate(int sample_rate) const {
  const auto key = [](const char* name) { return std::string("features.") + name; };
  const double nyquist = sample_rate / 2.0;
  parse_device(device, key("device"));
  if (!(win_ms > 0)) throw InputError(key("win_ms"), "must be > 0");
  if (!(hop_ms > 0)) throw InputError(key("hop_ms"), "must be > 0");
  // Upper bounds (option_limits.h), before anything is derived from them: win_ms=1e12 would hang,
  // n_fft=2^31 fail to allocate, dither=1e30 make every value infinite.
  const auto at_most = [&](double value, double limit, const char* name, const char* unit) {
    check_at_most(value, limit, key(name), unit);
  };
  at_most(win_ms, 1000, "win_ms", " ms");
  at_most(hop_ms, 1000, "hop_ms", " ms");
  at_most(n_fft, 65536, "n_fft", " samples");
  at_most(n_mels, 1024, "n_mels", " bands");
  at_most(dither, 0.1, "dither", " (standard deviation; full scale is 1)");
  at_most(log_floor, 1, "log_floor", "");
  at_most(lifter, 1000, "lifter", "");
  at_most(delta_window, 100, "delta_window", " frames");
  at_most(num_threads, 1024, "num_threads", " threads");
  if (win_length(sample_rate) < 2)
    throw InputError(key("win_ms"), cat("gives ", win_length(sample_rate), " samples; need >= 2"));
  if (hop_length(sample_rate) < 1) throw InputError(key("hop_ms"), "gives less than one sample");
  if (n_fft < 0) throw InputError(key("n_fft"), "must be >= 0");
  if (n_fft > 0 && n_fft < win_length(sample_rate))
    throw InputError(key("n_fft"), cat(n_fft, " is shorter than the window (",
                                       win_length(sample_rate), " samples)"));
  if (!(preemphasis >= 0 && preemphasis < 1))
    throw InputError(key("preemphasis"), "must be in [0, 1)");
  if (!(dither >= 0)) throw InputError(key("dither"), "must be >= 0");
  if (n_mels < 1) throw InputError(key("n_mels"), "must be >= 1");
  if (!(f_min >= 0 && f_min < nyquist))
    throw InputError(key("f_min"), cat("must be in [0, ", nyquist, ") Hz"));
  if (!(f_max >= 0 && f_max <= nyquist))
    throw InputError(key("f_max"), cat("must be in [0, ", nyquist, "] Hz (0 = Nyquist)"));
  if (f_max > 0 && f_max <= f_min) throw InputError(key("f_max"), "must be above f_min");
  if (!(log_floor > 0)) throw InputError(key("log_floor"), "must be > 0");
  if (kind == FeatureKind::Mfcc && (n_mfcc < 1 || n_mfcc > n_mels))
    throw InputError(key("n_mfcc"), cat("must be in [1, n_mels=", n_mels, "]"));
  if (!(lifter >= 0)) throw InputError(key("lifter"), "must be >= 0");
  if (deltas < 0 || deltas > 2) throw InputError(key("deltas"), "must be 0, 1 or 2");
  if (delta_window < 1) throw InputError(key("delta_window"), "must be >= 1");
  if (num_threads < 0) throw InputError(key("num_threads"), "must be >= 0");
  for (std::size_t i = 0; i < extra.size(); ++i) {
    if (extra[i] != "pitch" && extra[i] != "energy")
      throw InputError(key("extra"), cat("unknown column set '", extra[i], "' (pitch, energy)"));
    if (std::find(extra.begin(), extra.begin() + static_cast<std::ptrdiff_t>(i), extra[i]) !=
        extra.begin() + static_cast<std::ptrdiff_t>(i))
      throw InputError(key("extra"), cat("lists '", extra[i], "' twice"));
  }
  if (has_pitch()) {
    if (!(f0_max > f0_min && f0_min > 0))
      throw InputError(key("f0_max"), "must be above f0_min, which must be > 0 Hz");
    if (!(f0_max < nyquist / 2))
      throw InputError(key("f0_max"),
                       cat("must be below a quarter of the sample rate (", nyquist / 2, " Hz)"));
    const double max_lag = sample_rate / f0_min;
    if (max_lag > win_length(sample_rate) / 2.0)
      throw InputError(key("f0_min"),
                       cat(f0_min, " Hz needs a lag of ", max_lag, " samples, more than half the ",
                           win_length(sample_rate), "-sample window: raise f0_min to at least ",
                           2.0 * sample_rate / win_length(sample_rate), " Hz or win_ms"));
    if (!(voicing_threshold > 0 && voicing_threshold < 1))
      throw InputError(key("voicing_threshold"), "must be in (0, 1)");
  }
  if (speaker_norm != Cmvn::None && cmvn != Cmvn::None)
    throw InputError(key("speaker_norm"),
                     "needs features.cmvn: none (one normalisation of the clip, not two)");
  if (!speaker_norm_label.empty() && speaker_norm == Cmvn::None)
    throw InputError(key("speaker_norm_label"), "needs features.speaker_norm: mean or mean_var");
}

FeatureOptions utterance_features(FeatureOptions options) {
  if (options.speaker_norm != Cmvn::None) {
    options.cmvn = options.speaker_norm;
    options.speaker_norm = Cmvn::None;
    options.speaker_norm_label.clear();
  }
  return options;
}

std::string feature_options_yaml(const FeatureOptions& options) {
  FeatureOptions copy = options;
  OptionRegistry registry;
  copy.register_options(registry);
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const auto& e : registry.entries()) {
    if (e.name == "num_threads" || e.name == "device") continue;  // speed and place, not values
    if (e.name == "speaker_norm" && copy.speaker_norm == Cmvn::None) continue;
    if (e.name == "speaker_norm_label" && copy.speaker_norm_label.empty()) continue;
    if (copy.extra.empty() && (e.name == "extra" || e.name == "f0_min" || e.name == "f0_max" ||
                               e.name == "voicing_threshold"))
      continue;
    out << YAML::Key << e.name << YAML::Value << e.get();
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string feature_set_key(const FeatureOptions& options) {
  FeatureOptions stored = options;
  stored.speaker_norm = Cmvn::None;
  stored.speaker_norm_label.clear();
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a, 64 bit
  for (unsigned char c : feature_options_yaml(stored)) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return enum_name(feature_kind_table(), options.kind) + "-" + hex;
}

}  // namespace calmspace
