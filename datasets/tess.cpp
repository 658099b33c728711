// TESS (Pichora-Fuller & Dupuis 2020): folders <SPEAKER>_<emotion>/ with SPEAKER OAF (older
// talker) or YAF (younger talker), files <speaker>_<word>_<emotion>.{wav,flac}; the file suffix of
// pleasant_surprise is "ps". The speaker comes from the FOLDER: one file is OA_bite_neutral.
// Folder names are matched case-insensitively and "pleasant_surprised" is accepted, as some
// copies of the corpus spell them so. The utterance id is <folder speaker>_<word>_<suffix>
// ("OAF_back_angry"; OA_bite_neutral becomes "OAF_bite_neutral").
#include <filesystem>
#include <optional>

#include "datasets/adapter_util.h"
#include "datasets/adapters.h"

namespace calmspace {
namespace {

struct TessEmotion {
  const char* label;        // label name
  const char* folder;       // folder suffix
  const char* file_suffix;  // file-name suffix
};

constexpr TessEmotion kEmotions[] = {
    {"angry", "angry", "angry"},
    {"disgust", "disgust", "disgust"},
    {"fear", "fear", "fear"},
    {"happy", "happy", "happy"},
    {"neutral", "neutral", "neutral"},
    {"pleasant_surprise", "pleasant_surprise", "ps"},
    {"sad", "sad", "sad"},
};

std::optional<TessEmotion> emotion_for_folder(const std::string& folder_emotion) {
  const std::string e = adapters::lower(folder_emotion);
  for (const auto& em : kEmotions)
    if (e == em.folder) return em;
  if (e == "pleasant_surprised") return kEmotions[5];
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& tess_label_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& em : kEmotions) out.emplace_back(em.label);
    return out;
  }();
  return names;
}

CorpusListing list_tess(const std::string& root) {
  CorpusListing listing;
  listing.corpus = "tess";
  listing.root = root;
  listing.label_names = tess_label_names();
  for (const auto& file : adapters::files_under(root)) {
    const std::string path = file.string();
    auto skip = [&](const std::string& reason) { listing.skipped.push_back({path, reason}); };
    if (!adapters::is_audio_extension(file)) {
      skip("not a .wav or .flac file");
      continue;
    }
    const std::string folder = file.parent_path().filename().string();
    const auto underscore = folder.find('_');
    const std::string speaker = adapters::lower(folder.substr(0, underscore));
    if (underscore == std::string::npos || (speaker != "oaf" && speaker != "yaf")) {
      skip("folder " + folder + " is not OAF_<emotion> or YAF_<emotion>");
      continue;
    }
    const auto emotion = emotion_for_folder(folder.substr(underscore + 1));
    if (!emotion) {
      skip("folder " + folder + " names no TESS emotion");
      continue;
    }
    const auto parts = adapters::split(file.stem().string(), '_');
    if (parts.size() != 3 || parts[1].empty()) {
      skip("not a TESS name (expected <speaker>_<word>_<emotion>)");
      continue;
    }
    const std::string file_speaker = adapters::lower(parts[0]);
    if (file_speaker.empty() || speaker.rfind(file_speaker, 0) != 0) {
      skip("speaker " + parts[0] + " in the name disagrees with folder " + folder);
      continue;
    }
    if (adapters::lower(parts[2]) != emotion->file_suffix) {
      skip("emotion " + parts[2] + " in the name disagrees with folder " + folder);
      continue;
    }
    ClipRecord clip;
    clip.path = path;
    clip.label = emotion->label;
    clip.speaker = speaker == "oaf" ? "OAF" : "YAF";
    clip.utterance_id = clip.speaker + "_" + adapters::lower(parts[1]) + "_" + emotion->file_suffix;
    listing.clips.push_back(std::move(clip));
  }
  adapters::finish_listing(listing);
  return listing;
}

CALMSPACE_CORPUS_ADAPTER(tess, "tess", 20,
                         "TESS: {OAF,YAF}_<emotion>/<speaker>_<word>_<emotion>.{wav,flac}",
                         list_tess);

}  // namespace calmspace
