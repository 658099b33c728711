#include "serve/voice_profile.h"

#include <cmath>
#include <filesystem>

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/predict/voice_enrolment.h"
#include "serve/history_store.h"
#include "serve/json_response.h"
#include "serve/personal_model.h"

namespace calmspace::serve {
namespace fs = std::filesystem;
namespace {

// The statistics voice.json holds, or the reason they cannot be used.
FeatureStats stats_from_json(const nlohmann::json& info, std::size_t dim) {
  const auto numbers = [&](const char* key) {
    if (!info.contains(key) || !info[key].is_array() || info[key].size() != dim)
      throw InputError("voice.json", cat("has no ", dim, " values of '", key, "'"));
    std::vector<float> v;
    for (const auto& x : info[key]) {
      if (!x.is_number() || !std::isfinite(x.get<double>()))
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
  s.frames = info.value("frames", std::int64_t{0});
  return s;
}

}  // namespace

VoiceProfile::VoiceProfile(ModelChoice& choice, const std::string& data_dir, int threads)
    : choice_(choice),
      path_((fs::path(data_dir) / "personal" / "voice.json").string()),
      fingerprint_(fingerprint_hex(model_fingerprint(choice.base_members()))),
      threads_(threads) {
  const nlohmann::json info = read_json_file(path_);
  if (!info.is_object()) return;  // none (or unreadable: enrolling again replaces it)
  if (info.value("base_fingerprint", std::string()) != fingerprint_) {
    note_ = "the voice kept in the data folder was enrolled for another model; enrol again";
    return;
  }
  try {
    const Config config = choice_.base_members()[0].config();
    const auto dim =
        static_cast<std::size_t>(config.features.feature_dim(config.audio.sample_rate));
    choice_.set_voice(stats_from_json(info, dim));
    info_ = info;
  } catch (const InputError& e) {
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
                      {"min_seconds", kMinVoiceSeconds}};
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
  double seconds = 0;
  for (const auto& r : recordings)
    seconds += static_cast<double>(r.size()) / base.config().audio.sample_rate;
  if (seconds < kMinVoiceSeconds)
    throw InputError(
        "voice", cat("enrolment needs at least ", kMinVoiceSeconds, " s of your voice; this was ",
                     std::round(seconds * 10) / 10, " s (read the whole text)"));
  const FeatureStats voice = voice_statistics(base, "the model", recordings, threads_);
  const nlohmann::json info = {{"base_fingerprint", fingerprint_},
                               {"mean", voice.mean},
                               {"std", voice.std},
                               {"frames", voice.frames},
                               {"seconds", std::round(seconds * 100) / 100},
                               {"recordings", recordings.size()},
                               {"enrolled_at", now_iso8601()},
                               {"source", source}};
  const std::lock_guard lock(mutex_);
  fs::create_directories(fs::path(path_).parent_path());
  write_text_file_atomic(path_, info.dump(2) + "\n");  // first: a failed write changes nothing
  choice_.set_voice(voice);
  info_ = info;
  note_.clear();
}

void VoiceProfile::forget() {
  const std::lock_guard lock(mutex_);
  choice_.set_voice(std::nullopt);
  std::error_code ec;
  fs::remove(path_, ec);
  info_ = nullptr;
  note_.clear();
}

}  // namespace calmspace::serve
