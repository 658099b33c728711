// Helpers shared by the corpus adapters in this folder (not part of the public API).
#pragma once

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "datasets/adapters.h"

namespace calmspace::adapters {

inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline bool is_audio_extension(const std::filesystem::path& p) {
  const std::string ext = lower(p.extension().string());
  return ext == ".wav" || ext == ".flac";
}

// Every regular file under `root` (recursively, following no symlinked folders), sorted by path.
// Hidden files (".DS_Store", "._x.wav") are not listed. Throws InputError if root is no folder.
inline std::vector<std::filesystem::path> files_under(const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    throw InputError(root, fs::exists(root, ec) ? "not a folder" : "no such folder");
  std::vector<fs::path> out;
  for (auto it = fs::recursive_directory_iterator(
           root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) out.push_back(it->path().lexically_normal());
  }
  if (ec) throw InputError(root, "cannot list folder (" + ec.message() + ")");
  std::sort(out.begin(), out.end());
  return out;
}

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep)
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

// Sorts clips by path (skipped files stay in listing order); a clip whose utterance id an earlier
// clip (by path) already has (the same recording as .wav and .flac, say) is skipped, naming the
// first.
inline void finish_listing(CorpusListing& listing) {
  std::sort(listing.clips.begin(), listing.clips.end(),
            [](const ClipRecord& a, const ClipRecord& b) { return a.path < b.path; });
  std::vector<ClipRecord> unique;
  std::vector<std::pair<std::string, std::string>> seen;  // (utterance id, path), sorted
  for (auto& clip : listing.clips) {
    auto it = std::lower_bound(seen.begin(), seen.end(),
                               std::make_pair(clip.utterance_id, std::string()));
    if (it != seen.end() && it->first == clip.utterance_id) {
      listing.skipped.push_back({clip.path, "duplicate utterance id " + clip.utterance_id +
                                                " (first: " + it->second + ")"});
      continue;
    }
    seen.insert(it, {clip.utterance_id, clip.path});
    unique.push_back(std::move(clip));
  }
  listing.clips = std::move(unique);
}

}  // namespace calmspace::adapters
