// Voice enrolment in the page (issue 25): the person reads a short neutral text aloud (or picks
// recordings from the history); their voice's feature statistics are kept in the data folder and
// folded into the model while they are enrolled (model_choice.h; core/predict/voice_enrolment.h),
// so a model trained with speaker normalisation (features.speaker_norm) normalises their new
// recordings by their own voice instead of each recording by itself. A model without it gains
// nothing from a voice: the status says so and enrolment is refused.
//   DATA/personal/voice.json  {base_fingerprint, mean, std, frames, seconds, recordings,
//                              enrolled_at, source: "reading" | "history"} (written atomically)
// Statistics made for another base model (the server started with another --model), or of
// another feature count, are not loaded (the status says why); enrolling again replaces them.
// Deleting DATA forgets them.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "serve/model_choice.h"

namespace calmspace::serve {

// At least this many seconds of speech make an enrolment (the page asks for about 20).
inline constexpr double kMinVoiceSeconds = 5.0;

// What the page asks the person to read: neutral in content and tone, about 20 s aloud.
inline constexpr const char* kVoicePrompt =
    "The weather report says the afternoon will be mild, with a light breeze from the west. "
    "The bus leaves the station at ten past four and stops at the market, the library and the "
    "school. Please bring a pencil, two sheets of paper and a ruler to the meeting on Thursday.";

class VoiceProfile {
 public:
  // Loads DATA/personal/voice.json when it was made for this base model, and enrols it.
  VoiceProfile(ModelChoice& choice, const std::string& data_dir, int threads);

  // {supported, why_not, enrolled, seconds, recordings, enrolled_at, source, prompt,
  //  min_seconds, label, note}: label is the emotion the model's speaker statistics came from in
  //  training (features.speaker_norm_label; "" = every clip), the recordings of the history worth
  //  enrolling from; note says why stored statistics were not loaded (else absent).
  nlohmann::json status() const;

  // Enrols the voice of `recordings` (mono at the model's sample rate; together at least
  // kMinVoiceSeconds, speech louder than recording_quality.h's kTooQuietDbfs), replacing any
  // earlier enrolment; `source` is "reading" or "history". InputError("voice", reason) when the
  // model cannot take a voice or the audio is too short or too quiet; InputError(path, ...) when
  // voice.json cannot be written (the earlier voice stays in use then).
  void enrol(std::span<const std::vector<float>> recordings, const std::string& source);
  // Forgets the voice: the plain models answer again.
  void forget();

 private:
  ModelChoice& choice_;
  std::string path_;  // DATA/personal/voice.json
  std::string fingerprint_;
  int threads_ = 1;
  mutable std::mutex mutex_;
  nlohmann::json info_;                // voice.json of the enrolled voice, or null
  std::optional<FeatureStats> voice_;  // its statistics
  std::string note_;
};

}  // namespace calmspace::serve
