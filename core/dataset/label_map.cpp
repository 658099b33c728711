#include "core/dataset/label_map.h"

#include <algorithm>
#include <cctype>

namespace calmspace {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Synonyms seen in the public emotional speech corpora and their manifests.
const std::map<std::string, std::string>& builtin_synonyms() {
  static const std::map<std::string, std::string> m = {
      {"ps", "surprised"},
      {"pleasant_surprise", "surprised"},
      {"pleasant_surprised", "surprised"},
      {"surprise", "surprised"},
      {"sur", "surprised"},
      {"fear", "fearful"},
      {"fea", "fearful"},
      {"afraid", "fearful"},
      {"happiness", "happy"},
      {"joy", "happy"},
      {"hap", "happy"},
      {"sadness", "sad"},
      {"anger", "angry"},
      {"ang", "angry"},
      {"disgusted", "disgust"},
      {"dis", "disgust"},
      {"neu", "neutral"},
      {"calmness", "calm"},
  };
  return m;
}

}  // namespace

const std::vector<std::string>& canonical_labels() {
  static const std::vector<std::string> labels = {"neutral", "calm",    "happy",   "sad",
                                                  "angry",   "fearful", "disgust", "surprised"};
  return labels;
}

LabelMap::LabelMap(const std::map<std::string, std::string>& synonyms) {
  for (const auto& [from, to] : synonyms) synonyms_[lower(from)] = lower(to);
}

std::string LabelMap::canonical(const std::string& label) const {
  std::string l = lower(label);
  if (const auto it = synonyms_.find(l); it != synonyms_.end()) return it->second;
  if (const auto it = builtin_synonyms().find(l); it != builtin_synonyms().end()) return it->second;
  return l;
}

std::vector<int> LabelMap::align(const std::vector<std::string>& from,
                                 const std::vector<std::string>& to) const {
  std::vector<std::string> target;
  target.reserve(to.size());
  for (const auto& t : to) target.push_back(canonical(t));
  std::vector<int> out;
  out.reserve(from.size());
  for (const auto& f : from) {
    const auto it = std::find(target.begin(), target.end(), canonical(f));
    out.push_back(it == target.end() ? -1 : static_cast<int>(it - target.begin()));
  }
  return out;
}

std::vector<std::string> merged_label_set(const LabelMap& map,
                                          const std::vector<std::vector<std::string>>& corpora,
                                          const std::vector<std::string>& wanted) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& l) {
    if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
  };
  if (!wanted.empty()) {
    for (const auto& w : wanted) add(map.canonical(w));
    return out;
  }
  std::vector<std::string> present;
  for (const auto& labels : corpora)
    for (const auto& l : labels) present.push_back(map.canonical(l));
  for (const auto& c : canonical_labels())
    if (std::find(present.begin(), present.end(), c) != present.end()) add(c);
  return out;
}

}  // namespace calmspace
