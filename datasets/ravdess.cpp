// RAVDESS speech (Livingstone & Russo 2018): Actor_XX/03-01-EE-II-SS-RR-AA.{wav,flac}.
// Fields: modality (03 audio-only), vocal channel (01 speech), EE emotion 01..08, II intensity
// 01..02, SS statement 01..02, RR repetition 01..02, AA actor 01..24. Works for the original
// 48 kHz WAV distribution and the 16 kHz FLAC copy alike (only names are read here).
#include <filesystem>

#include "datasets/adapter_util.h"
#include "datasets/adapters.h"

namespace calmspace {
namespace {

bool two_digits(const std::string& s) {
  return s.size() == 2 && std::isdigit(static_cast<unsigned char>(s[0])) &&
         std::isdigit(static_cast<unsigned char>(s[1]));
}

// Returns "" if `stem` is a valid RAVDESS speech name, else the reason.
std::string check_name(const std::vector<std::string>& f) {
  if (f.size() != 7) return "not a RAVDESS name (expected 03-01-EE-II-SS-RR-AA, seven fields)";
  for (const auto& field : f)
    if (!two_digits(field)) return "not a RAVDESS name (fields must be two digits)";
  if (f[0] != "03") return "modality " + f[0] + " is not 03 (audio-only)";
  if (f[1] != "01") return "vocal channel " + f[1] + " is not 01 (speech)";
  const int emotion = std::stoi(f[2]);
  if (emotion < 1 || emotion > 8) return "emotion code " + f[2] + " is not 01..08";
  if (f[3] != "01" && f[3] != "02") return "intensity " + f[3] + " is not 01 or 02";
  if (f[4] != "01" && f[4] != "02") return "statement " + f[4] + " is not 01 or 02";
  if (f[5] != "01" && f[5] != "02") return "repetition " + f[5] + " is not 01 or 02";
  const int actor = std::stoi(f[6]);
  if (actor < 1 || actor > 24) return "actor " + f[6] + " is not 01..24";
  return "";
}

}  // namespace

const std::vector<std::string>& ravdess_label_names() {
  static const std::vector<std::string> names = {"neutral", "calm",    "happy",   "sad",
                                                 "angry",   "fearful", "disgust", "surprised"};
  return names;
}

CorpusListing list_ravdess(const std::string& root) {
  CorpusListing listing;
  listing.corpus = "ravdess";
  listing.root = root;
  listing.label_names = ravdess_label_names();
  for (const auto& file : adapters::files_under(root)) {
    const std::string path = file.string();
    if (!adapters::is_audio_extension(file)) {
      listing.skipped.push_back({path, "not a .wav or .flac file"});
      continue;
    }
    const std::string stem = file.stem().string();
    const auto fields = adapters::split(stem, '-');
    if (const auto reason = check_name(fields); !reason.empty()) {
      listing.skipped.push_back({path, reason});
      continue;
    }
    // The folder, when it is an actor folder, must agree with the name's actor field.
    const std::string folder = file.parent_path().filename().string();
    if (folder.rfind("Actor_", 0) == 0 && folder != "Actor_" + fields[6]) {
      listing.skipped.push_back(
          {path, "actor field " + fields[6] + " disagrees with folder " + folder});
      continue;
    }
    ClipRecord clip;
    clip.path = path;
    clip.label = ravdess_label_names()[std::stoi(fields[2]) - 1];
    clip.speaker = fields[6];
    clip.utterance_id = stem;
    listing.clips.push_back(std::move(clip));
  }
  adapters::finish_listing(listing);
  return listing;
}

CALMSPACE_CORPUS_ADAPTER(ravdess, "ravdess", 10,
                         "RAVDESS speech: Actor_XX/03-01-EE-II-SS-RR-AA.{wav,flac}", list_ravdess);

}  // namespace calmspace
