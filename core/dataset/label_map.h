// Label names across corpora: each corpus names its emotions its own way (TESS "ps" and
// "pleasant_surprise", EMOVO's Italian abbreviations become "fearful" etc. in its manifest, CASIA
// "fearful"). CalmSpace's canonical names are RAVDESS's eight:
//   neutral calm happy sad angry fearful disgust surprised
// A LabelMap turns a corpus label into a canonical one: the user's data.label_map first, then the
// built-in synonyms below, then the name itself (lower-cased). Mapping is by name only; a label
// that maps to no name of the target set is left out, and callers count what they leave out.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace calmspace {

// The canonical label order (RAVDESS's emotion codes 01..08).
const std::vector<std::string>& canonical_labels();

class LabelMap {
 public:
  // `synonyms`: corpus label -> label, applied before the built-in ones (data.label_map).
  explicit LabelMap(const std::map<std::string, std::string>& synonyms = {});

  // The canonical name of `label`: a user synonym, a built-in synonym, or `label` lower-cased.
  std::string canonical(const std::string& label) const;

  // For each of `from`, its index in `to` after mapping both through canonical(), or -1.
  std::vector<int> align(const std::vector<std::string>& from,
                         const std::vector<std::string>& to) const;

 private:
  std::map<std::string, std::string> synonyms_;  // lower-case keys
};

// The labels of several corpora as one set: `wanted` mapped through canonical() when given (in
// its order), else every canonical label that some corpus has, in canonical_labels() order; a
// label that maps to no canonical name (EMO-DB's "boredom") is then left out: add it to `wanted`
// or map it with data.label_map to keep it.
std::vector<std::string> merged_label_set(const LabelMap& map,
                                          const std::vector<std::vector<std::string>>& corpora,
                                          const std::vector<std::string>& wanted = {});

}  // namespace calmspace
