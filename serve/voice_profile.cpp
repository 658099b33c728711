#include "serve/voice_profile.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/predict/recording_quality.h"
#include "core/predict/voice_enrolment.h"
#include "serve/history_store.h"
#include "serve/json_response.h"
#include "serve/personal_model.h"

namespace calmspace::serve {
namespace fs = std::filesystem;
namespace {

// The statistics voice.json holds, or InputError with the reason they cannot be used.
FeatureStats stats_from_json(const nlohmann::json& info, std::size_t dim) {
  const auto numbers = [&](const char* key) {
    if (!info.contains(key) || !info[key].is_array() || info[key].size() != dim)
      throw InputError("voice.json", cat("has no ", dim, " values of '", key, "'"));
    std::vector<float> v;
    for (const auto& x : info[key]) {
      if (!x.is_number() || !(std::abs(x.get<double>()) <= std::numeric_limits<float>::max()))
        throw InputError("voice.json", cat("'", key, "' holds a value that is not a number"));
      v.push_back(x.get<float>());
    }
    return v;
  };
  FeatureStats s;
  s.mean = numbers("mean");
  s.std = numbers("std");
  for (float v : s.std)
    if (!(v > 0)) throw InputError("voice.json", "'std' holds a value that is not positive");
  if (info.contains("frames") && info["frames"].is_number_integer())
    s.frames = info["frames"].get<std::int64_t>();
  return s;
}

// The speech level of `recordings` together (core/predict/recording_quality.h), dBFS.
double speech_level_dbfs(std::span<const std::vector<float>> recordings, int sample_rate) {
  QualityMeter meter(sample_rate);
  for (const auto& r : recordings) meter.push(r);
  return meter.result().speech_level_dbfs;
}

}  // namespace

VoiceProfile::VoiceProfile(ModelChoice& choice, const std::string& data_dir, int threads)
    : choice_(choice),
      path_((fs::path(data_dir) / "personal" / "voice.json").string()),
      fingerprint_(fingerprint_hex(model_fingerprint(choice.base_members()))),
      threads_(threads) {
  // A kept voice is optional: one that cannot be used is left unloaded (the status says why) and
  // the next enrolment replaces it; the server starts either way.
  const nlohmann::json info = read_json_file(path_);
  if (!info.is_object()) return;  // none (or not JSON: enrolling again replaces it)
  const auto fingerprint = info.find("base_fingerprint");
  if (fingerprint == info.end() || !fingerprint->is_string() || *fingerprint != fingerprint_) {
    note_ = "the voice kept in the data folder was enrolled for another model; enrol again";
    return;
  }
  try {
    const Config config = choice_.base_members()[0].config();
    const auto dim =
        static_cast<std::size_t>(config.features.feature_dim(config.audio.sample_rate));
    FeatureStats voice = stats_from_json(info, dim);
    choice_.set_voice(voice);
    voice_ = std::move(voice);
    info_ = info;
  } catch (const std::exception& e) {
    note_ =
        cat("the voice kept in the data folder could not be used (", e.what(), "); enrol again");
  }
}

nlohmann::json VoiceProfile::status() const {
  const std::lock_guard lock(mutex_);
  const std::string why = choice_.why_not_enrol();
  nlohmann::json s = {{"supported", why.empty()},
                      {"why_not", why.empty() ? nlohmann::json(nullptr) : nlohmann::json(why)},
                      {"enrolled", !info_.is_null()},
                      {"prompt", kVoicePrompt},
                      {"min_seconds", kMinVoiceSeconds},
                      {"label", choice_.base_members()[0].config().features.speaker_norm_label}};
  for (const char* key : {"seconds", "recordings", "enrolled_at", "source"})
    s[key] = info_.is_null() ? nlohmann::json(nullptr) : info_.value(key, nlohmann::json(nullptr));
  if (!note_.empty()) s["note"] = note_;
  return s;
}

void VoiceProfile::enrol(std::span<const std::vector<float>> recordings,
                         const std::string& source) {
  const std::string why = choice_.why_not_enrol();
  if (!why.empty()) throw InputError("voice", why);
  const Checkpoint& base = choice_.base_members()[0];
  const int rate = base.config().audio.sample_rate;
  double seconds = 0;
  for (const auto& r : recordings) seconds += static_cast<double>(r.size()) / rate;
  if (seconds < kMinVoiceSeconds)
    throw InputError(
        "voice", cat("enrolment needs at least ", kMinVoiceSeconds, " s of your voice; this was ",
                     std::round(seconds * 10) / 10, " s (read the whole text)"));
  // A muted microphone or a silent take would shift every later answer the wrong way.
  const double level = speech_level_dbfs(recordings, rate);
  if (level < kTooQuietDbfs)
    throw InputError("voice", cat("the reading is too quiet to learn your voice from (speech at ",
                                  std::round(level), " dBFS; is the microphone muted?)"));
  FeatureStats voice = voice_statistics(base, "the model", recordings, threads_);
  const nlohmann::json info = {{"base_fingerprint", fingerprint_},
                               {"mean", voice.mean},
                               {"std", voice.std},
                               {"frames", voice.frames},
                               {"seconds", std::round(seconds * 100) / 100},
                               {"recordings", recordings.size()},
                               {"enrolled_at", now_iso8601()},
                               {"source", source}};
  const std::lock_guard lock(mutex_);
  choice_.set_voice(voice);  // may refuse: nothing has changed then
  try {
    fs::create_directories(fs::path(path_).parent_path());
    write_text_file_atomic(path_, info.dump(2) + "\n");
  } catch (...) {
    try {
      choice_.set_voice(voice_);         // the voice kept on disk stays the one in use
    } catch (const std::exception& e) {  // it was in use a moment ago: not expected
      note_ = cat("your earlier voice could not be restored (", e.what(), ")");
    }
    throw;
  }
  voice_ = std::move(voice);
  info_ = info;
  note_.clear();
}

void VoiceProfile::forget() {
  const std::lock_guard lock(mutex_);
  choice_.set_voice(std::nullopt);
  std::error_code ec;
  fs::remove(path_, ec);
  voice_.reset();
  info_ = nullptr;
  note_.clear();
}

}  // namespace calmspace::serve
