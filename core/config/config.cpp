#include "core/config/config.h"
#include "core/config/option_limits.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

namespace calmspace {

std::vector<std::pair<std::string, OptionRegistry>> Config::sections() {
  std::vector<std::pair<std::string, OptionRegistry>> out(6);
  out[0].first = "audio";
  audio.register_options(out[0].second);
  out[1].first = "features";
  features.register_options(out[1].second);
  out[2].first = "data";
  data.register_options(out[2].second);
  out[3].first = "model";
  model.register_options(out[3].second);
  out[4].first = "train";
  train.register_options(out[4].second);
  out[5].first = "augment";
  augment.register_options(out[5].second);
  return out;
}

namespace {

// The rates libopus encodes (RFC 6716 section 2: 8, 12, 16, 24 and 48 kHz).
bool opus_sample_rate(int hz) {
  return hz == 8000 || hz == 12000 || hz == 16000 || hz == 24000 || hz == 48000;
}

const OptionRegistry* find_section(const std::vector<std::pair<std::string, OptionRegistry>>& all,
                                   const std::string& name) {
  for (const auto& [section, registry] : all)
    if (section == name) return &registry;
  return nullptr;
}

std::string section_names(const std::vector<std::pair<std::string, OptionRegistry>>& all) {
  std::string out;
  for (const auto& s : all) out += (out.empty() ? "" : ", ") + s.first;
  return out;
}

// A name read from the file, for a message: short and printable, or not repeated at all (a file
// that is not a config, such as /etc/shadow, must not have its content echoed).
std::string quoted_name(const std::string& name) {
  const bool printable =
      name.size() <= 40 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
      });
  return printable ? "'" + name + "'" : "(a name that is no option)";
}

// A mapping key of the file: a plain word. YAML also allows lists and mappings as keys
// ("? - a"), which no option is named by.
std::string key_of(const YAML::Node& key, const std::string& source) {
  if (!key.IsScalar())
    throw InputError(source, cat("line ", key.Mark().line + 1,
                                 ": a key must be a plain name, not a list or mapping"));
  return key.Scalar();
}

// yaml-cpp keeps the last of two equal keys in a mapping; a config where one setting is written
// twice is a mistake to report, not to resolve silently.
void refuse_duplicate_keys(const YAML::Node& node, const std::string& source,
                           const std::string& where, std::size_t& visited) {
  // YAML aliases make a small file an exponentially large tree ("billion laughs"): a config has
  // a few hundred nodes, so a walk past kMaxConfigNodes is refused.
  constexpr std::size_t kMaxConfigNodes = 100'000;
  if (++visited > kMaxConfigNodes)
    throw InputError(source, cat("more than ", kMaxConfigNodes,
                                 " values once its aliases are expanded; not a config"));
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (const auto& item : node) {
      const auto key = key_of(item.first, source);
      if (!seen.insert(key).second)
        throw InputError(source, cat("key ", quoted_name(where + key), " appears twice (line ",
                                     item.first.Mark().line + 1, ")"));
      refuse_duplicate_keys(item.second, source, where + key + ".", visited);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) refuse_duplicate_keys(item, source, where, visited);
  }
}

}  // namespace

void Config::merge_yaml(const YAML::Node& root, const std::string& source) {
  if (!root || root.IsNull()) return;  // an empty file changes nothing
  if (!root.IsMap()) throw InputError(source, "a config must be a YAML mapping of sections");
  const auto all = sections();
  for (const auto& section : root) {
    const auto name = key_of(section.first, source);
    const OptionRegistry* registry = find_section(all, name);
    if (!registry)
      throw InputError(
          source, cat("unknown section ", quoted_name(name), " (known: ", section_names(all), ")"));
    if (section.second.IsNull()) continue;
    if (!section.second.IsMap())
      throw InputError(source, cat("section '", name, "' must be a mapping of keys"));
    for (const auto& item : section.second) {
      const auto key = key_of(item.first, source);
      const OptionEntry* entry = registry->find(key);
      if (!entry) throw InputError(source, cat("unknown key ", quoted_name(cat(name, ".", key))));
      try {
        entry->set(item.second, cat(name, ".", key));
      } catch (const InputError& e) {
        throw InputError(source, e.what());
      }
    }
  }
}

void Config::load_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(path, "is a folder; give a config file (.yaml)");
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open config file");
  merge_yaml_text(std::string(std::istreambuf_iterator<char>(in), {}), path);
}

void Config::merge_yaml_text(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(source, cat("not valid YAML: ", e.msg, " at line ", e.mark.line + 1));
  }
  if (root && !root.IsNull() && !root.IsMap())
    throw InputError(source, "is not a CalmSpace config (a YAML mapping of sections)");
  std::size_t visited = 0;
  refuse_duplicate_keys(root, source, "", visited);
  merge_yaml(root, source);
}

void Config::apply_override(const std::string& assignment) {
  const auto eq = assignment.find('=');
  const auto dot = assignment.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq)
    throw InputError(assignment, "an override must look like section.key=value");
  const std::string section = assignment.substr(0, dot);
  const std::string key = assignment.substr(dot + 1, eq - dot - 1);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    throw InputError(assignment, cat("value is not valid YAML: ", e.msg));
  }
  std::size_t visited = 0;
  refuse_duplicate_keys(value, "override '" + assignment + "'", section + "." + key + ".", visited);
  YAML::Node root;
  root[section][key] = value;
  merge_yaml(root, "override '" + assignment + "'");
}

void Config::validate() const {
  audio.validate();
  features.validate(audio.sample_rate);
  data.validate();
  model.validate();
  train.validate();
  augment.validate();
  if (augment.codec_prob > 0 && !opus_sample_rate(audio.sample_rate))
    throw InputError("augment.codec_prob",
                     cat("Opus encodes 8, 12, 16, 24 or 48 kHz audio, not audio.sample_rate ",
                         audio.sample_rate, " Hz"));
  // Here rather than at the model's construction, before a run writes anything.
  const int columns = features.feature_dim(audio.sample_rate);
  if (model.has_conv_frontend() && model.conv_bypass >= columns)
    throw InputError("model.conv_bypass",
                     cat("leaves none of the ", columns, " feature columns to the convolution"));
}

namespace {

// A value in YAML flow style on one line: 25, hann, [["01", "02"], ["03"]].
std::string flow_yaml(const YAML::Node& value) {
  YAML::Emitter out;
  out << YAML::Flow << value;
  return out.c_str();
}

}  // namespace

std::string Config::to_yaml() {
  std::ostringstream out;
  for (auto& [section, registry] : sections()) {
    out << section << ":\n";
    for (const auto& e : registry.entries())
      out << "  # " << e.help << " [" << e.type << "]\n  " << e.name << ": " << flow_yaml(e.get())
          << "\n";
  }
  return out.str();
}

std::string Config::help_table() {
  std::ostringstream out;
  for (auto& [section, registry] : sections()) {
    for (const auto& e : registry.entries()) {
      out << "  " << section << "." << e.name << "=" << flow_yaml(e.get()) << "  [" << e.type
          << "]\n"
          << "      " << e.help << "\n";
    }
  }
  return out.str();
}

void AudioOptions::validate() const {
  if (sample_rate < 1000 || sample_rate > 384000)
    throw InputError("audio.sample_rate", cat(sample_rate, " Hz is outside [1000, 384000]"));
  if (!(max_duration_s > 0 && max_duration_s <= 86400))
    throw InputError("audio.max_duration_s", "must be in (0, 86400] seconds (one day at most)");
  if (!(trim_db >= 0 && trim_db <= 120))
    throw InputError("audio.trim_db", "must be in [0, 120] dB (0 = no trimming)");
  if (!(trim_margin_ms >= 0 && trim_margin_ms <= 10000))
    throw InputError("audio.trim_margin_ms", "must be in [0, 10000] ms");
  if (!(trim_max_s > 0 && trim_max_s <= 3600))
    throw InputError("audio.trim_max_s", "must be in (0, 3600] seconds");
}

void check_at_most(double value, double limit, const std::string& key, const char* unit) {
  if (!(value <= limit)) throw InputError(key, cat(value, " is above the limit of ", limit, unit));
}

void DataOptions::validate() const {
  if (folds.empty() && num_folds < 2) throw InputError("data.num_folds", "must be >= 2");
  check_at_most(num_folds, 1000, "data.num_folds", " folds");
  check_at_most(num_threads, 1024, "data.num_threads", " threads");
  if (compression < 0 || compression > 9) throw InputError("data.compression", "must be in 0-9");
  if (num_threads < 0) throw InputError("data.num_threads", "must be >= 0");
  std::set<std::string> seen;
  for (const auto& fold : folds) {
    if (fold.empty()) throw InputError("data.folds", "a fold lists no speaker");
    for (const auto& speaker : fold)
      if (!seen.insert(speaker).second)
        throw InputError("data.folds", cat("speaker '", speaker, "' is in more than one fold"));
  }
}

void ModelOptions::validate() const {
  if (hidden_size < 1) throw InputError("model.hidden_size", "must be >= 1");
  if (num_layers < 1) throw InputError("model.num_layers", "must be >= 1");
  if (!(dropout >= 0 && dropout < 1)) throw InputError("model.dropout", "must be in [0, 1)");
  if (attention_dim < 1) throw InputError("model.attention_dim", "must be >= 1");
  if (!std::isfinite(forget_bias)) throw InputError("model.forget_bias", "must be finite");
  if (forget_bias != 0 && cell != CellKind::Lstm)
    throw InputError("model.forget_bias", "applies only to model.cell=lstm");
  if (!(temperature > 0 && std::isfinite(temperature)))
    throw InputError("model.temperature", "must be a finite number > 0");
  if (!(unseen_corpus_ua >= 0 && unseen_corpus_ua <= 1))
    throw InputError("model.unseen_corpus_ua", "must be in [0, 1]");
  check_at_most(hidden_size, 4096, "model.hidden_size", " units");
  check_at_most(num_layers, 16, "model.num_layers", " layers");
  check_at_most(attention_dim, 4096, "model.attention_dim", " units");
  check_at_most(std::abs(forget_bias), 100, "model.forget_bias", " (absolute value)");
  if (frontend == FrontendKind::Conv) {
    if (conv_blocks < 1) throw InputError("model.conv_blocks", "must be >= 1");
    if (conv_channels < 1) throw InputError("model.conv_channels", "must be >= 1");
    if (conv_kernel_time < 1) throw InputError("model.conv_kernel_time", "must be >= 1");
    if (conv_kernel_freq < 1 || conv_kernel_freq % 2 == 0)
      throw InputError("model.conv_kernel_freq",
                       "must be odd and >= 1 (the bins are padded equally on both sides)");
    if (conv_stride_time < 1) throw InputError("model.conv_stride_time", "must be >= 1");
    if (conv_stride_freq < 1) throw InputError("model.conv_stride_freq", "must be >= 1");
    check_at_most(conv_blocks, 8, "model.conv_blocks", " blocks");
    check_at_most(conv_channels, 512, "model.conv_channels", " channels");
    check_at_most(conv_kernel_time, 31, "model.conv_kernel_time", " frames");
    check_at_most(conv_kernel_freq, 31, "model.conv_kernel_freq", " bins");
    check_at_most(conv_stride_time, 8, "model.conv_stride_time", "");
    check_at_most(conv_stride_freq, 8, "model.conv_stride_freq", "");
    if (conv_bypass < 0) throw InputError("model.conv_bypass", "must be >= 0");
    check_at_most(conv_bypass, 4096, "model.conv_bypass", " columns");
  } else if (conv_bypass != 0) {
    throw InputError("model.conv_bypass", "applies to model.frontend=conv only");
  }
  if (residual && num_layers < 2)
    throw InputError("model.residual",
                     "needs model.num_layers >= 2: it adds layer l's input to its output from the "
                     "second layer on");
}

std::string ModelOptions::cuda_unsupported_reason() const {
  if (residual) return "model.residual is not on the cuDNN backend yet";
  if (layer_norm) return "model.layer_norm is not on the cuDNN backend yet";
  if (frontend == FrontendKind::Conv) return "model.frontend=conv is not on the cuDNN backend yet";
  return "";
}

void TrainOptions::validate() const {
  if (epochs < 1) throw InputError("train.epochs", "must be >= 1");
  if (batch_size < 1) throw InputError("train.batch_size", "must be >= 1");
  if (!(lr > 0)) throw InputError("train.lr", "must be > 0");
  if (!(weight_decay >= 0)) throw InputError("train.weight_decay", "must be >= 0");
  if (!(beta1 >= 0 && beta1 < 1)) throw InputError("train.beta1", "must be in [0, 1)");
  if (!(beta2 >= 0 && beta2 < 1)) throw InputError("train.beta2", "must be in [0, 1)");
  if (!(eps > 0)) throw InputError("train.eps", "must be > 0");
  if (!(grad_clip >= 0)) throw InputError("train.grad_clip", "must be >= 0");
  if (warmup_epochs < 0) throw InputError("train.warmup_epochs", "must be >= 0");
  if (!(min_lr >= 0 && min_lr <= lr)) throw InputError("train.min_lr", "must be in [0, lr]");
  if (patience < 0) throw InputError("train.patience", "must be >= 0");
  if (test_fold < 0) throw InputError("train.test_fold", "must be >= 0");
  if (valid_fold < -1) throw InputError("train.valid_fold", "must be >= -1");
  if (num_threads < 0) throw InputError("train.num_threads", "must be >= 0");
  if (ensemble < 1 || ensemble > kMaxEnsemble)
    throw InputError("train.ensemble", cat("must be in 1-", kMaxEnsemble));
  if (ensemble_rotate_valid && !validation)
    throw InputError("train.ensemble_rotate_valid",
                     "needs validation folds to rotate, but train.validation is false");
  if (trainable != Trainable::All && init.empty())
    throw InputError("train.trainable",
                     "freezes part of a trained model; give the model with train.init (--init)");
  if (!(init_mix >= 0 && init_mix <= 1)) throw InputError("train.init_mix", "must be in [0, 1]");
  if (init_mix != 1 && init.empty())
    throw InputError("train.init_mix",
                     "mixes the trained weights with a trained model's; give the model with "
                     "train.init (--init)");
  if (!init.empty() && ensemble > 1)
    throw InputError("train.init", "fine-tunes one model; set train.ensemble to 1");
  parse_device(device, "train.device");  // the format only; availability is checked on use
  check_at_most(epochs, 100000, "train.epochs", " epochs");
  check_at_most(batch_size, 65536, "train.batch_size", " clips");
  check_at_most(lr, 10, "train.lr", "");
  check_at_most(weight_decay, 10, "train.weight_decay", "");
  check_at_most(eps, 1, "train.eps", "");
  check_at_most(grad_clip, 1e6, "train.grad_clip", "");
  check_at_most(warmup_epochs, epochs, "train.warmup_epochs", " (train.epochs)");
  check_at_most(num_threads, 1024, "train.num_threads", " threads");
}

void AugmentOptions::validate() const {
  if (!(gain_db >= 0)) throw InputError("augment.gain_db", "must be >= 0");
  if (!(noise_prob >= 0 && noise_prob <= 1))
    throw InputError("augment.noise_prob", "must be in [0, 1]");
  if (!(noise_snr_min_db <= noise_snr_max_db))
    throw InputError("augment.noise_snr_min_db", "must be <= noise_snr_max_db");
  for (double f : speed_factors)
    if (!(f >= 0.5 && f <= 2.0))
      throw InputError("augment.speed_factors", cat(f, " is outside [0.5, 2]"));
  if (time_masks < 0 || time_mask_frames < 0)
    throw InputError("augment.time_masks", "must be >= 0");
  if (freq_masks < 0 || freq_mask_bins < 0) throw InputError("augment.freq_masks", "must be >= 0");
  if (!(reverb_prob >= 0 && reverb_prob <= 1))
    throw InputError("augment.reverb_prob", "must be in [0, 1]");
  if (!(reverb_rt60_min_s >= 0.05 && reverb_rt60_min_s <= reverb_rt60_max_s &&
        reverb_rt60_max_s <= 3.0))
    throw InputError("augment.reverb_rt60_min_s",
                     "needs 0.05 <= reverb_rt60_min_s <= reverb_rt60_max_s <= 3 seconds");
  if (reverb_rooms < 1) throw InputError("augment.reverb_rooms", "must be >= 1");
  if (!(babble_prob >= 0 && babble_prob <= 1))
    throw InputError("augment.babble_prob", "must be in [0, 1]");
  if (!(babble_snr_min_db <= babble_snr_max_db))
    throw InputError("augment.babble_snr_min_db", "must be <= babble_snr_max_db");
  if (babble_talkers < 1) throw InputError("augment.babble_talkers", "must be >= 1");
  if (!(mixup_alpha >= 0)) throw InputError("augment.mixup_alpha", "must be >= 0");
  if (!(codec_prob >= 0 && codec_prob <= 1))
    throw InputError("augment.codec_prob", "must be in [0, 1]");
  if (codec_prob > 0 && codec_kbps.empty())
    throw InputError("augment.codec_kbps", "needs at least one bit rate when codec_prob > 0");
  for (double k : codec_kbps)
    if (!(k >= 6 && k <= 256))
      throw InputError("augment.codec_kbps", cat(k, " kbit/s is outside [6, 256] kbit/s"));
  check_at_most(mixup_alpha, 100, "augment.mixup_alpha", "");
  check_at_most(gain_db, 60, "augment.gain_db", " dB");
  for (const auto& [snr, key] : {std::pair{noise_snr_min_db, "augment.noise_snr_min_db"},
                                 {noise_snr_max_db, "augment.noise_snr_max_db"},
                                 {babble_snr_min_db, "augment.babble_snr_min_db"},
                                 {babble_snr_max_db, "augment.babble_snr_max_db"}})
    if (!(snr >= -30 && snr <= 100))
      throw InputError(key, cat(snr, " dB is outside [-30, 100] dB"));
  check_at_most(time_masks, 100, "augment.time_masks", " masks");
  check_at_most(time_mask_frames, 10000, "augment.time_mask_frames", " frames");
  check_at_most(freq_masks, 100, "augment.freq_masks", " masks");
  check_at_most(freq_mask_bins, 4096, "augment.freq_mask_bins", " bins");
  check_at_most(reverb_rooms, 4096, "augment.reverb_rooms", " rooms");
  check_at_most(babble_talkers, 16, "augment.babble_talkers", " talkers");
}

std::string yaml_quoted(std::string_view text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

Config resolve_config(const std::string& config_path, const std::vector<std::string>& overrides) {
  Config config;
  if (!config_path.empty()) config.load_file(config_path);
  for (const auto& o : overrides) config.apply_override(o);
  config.validate();
  return config;
}

}  // namespace calmspace
