#include "core/dataset/folds.h"

#include <algorithm>
#include <map>

#include "core/base/error.h"

namespace calmspace {

int FoldAssignment::fold_of(const std::string& speaker) const {
  const auto it = std::lower_bound(speakers.begin(), speakers.end(), speaker);
  if (it == speakers.end() || *it != speaker) return -1;
  return speaker_fold[it - speakers.begin()];
}

FoldAssignment assign_folds(std::vector<std::string> speakers, const DataOptions& options) {
  std::sort(speakers.begin(), speakers.end());
  speakers.erase(std::unique(speakers.begin(), speakers.end()), speakers.end());
  FoldAssignment out;
  out.speakers = speakers;
  out.speaker_fold.assign(speakers.size(), -1);
  const int n = static_cast<int>(speakers.size());

  if (options.folds.empty()) {
    int k = options.num_folds;
    if (k < 2) throw InputError("data.num_folds", "must be >= 2");
    if (n < 2)
      throw InputError("data.num_folds", cat("speaker-independent folds need at least 2 speakers, "
                                             "but the corpus has ",
                                             n));
    if (n < k) {  // TESS's two speakers: a fold each
      out.warnings.push_back(cat("data.num_folds: ", k, " folds need ", k,
                                 " speakers, but the corpus has ", n, "; using ", n,
                                 " folds, one speaker each"));
      k = n;
    }
    out.num_folds = k;
    // Contiguous groups: fold f holds speakers [f*n/k, (f+1)*n/k).
    for (int f = 0; f < k; ++f)
      for (int i = f * n / k; i < (f + 1) * n / k; ++i) out.speaker_fold[i] = f;
    return out;
  }

  out.num_folds = static_cast<int>(options.folds.size());
  std::map<std::string, int> listed;  // speaker -> fold
  for (int f = 0; f < out.num_folds; ++f) {
    if (options.folds[f].empty())
      throw InputError("data.folds", cat("fold ", f, " lists no speaker"));
    for (const auto& s : options.folds[f]) {
      const auto [it, inserted] = listed.emplace(s, f);
      if (!inserted)
        throw InputError("data.folds", cat("speaker '", s, "' is in fold ", it->second,
                                           " and fold ", f, "; a speaker must be in one fold"));
    }
  }
  for (int i = 0; i < n; ++i) {
    const auto it = listed.find(speakers[i]);
    if (it == listed.end())
      throw InputError("data.folds", cat("speaker '", speakers[i],
                                         "' has clips but is in no fold; add it to a fold"));
    out.speaker_fold[i] = it->second;
  }
  for (const auto& [s, f] : listed)
    if (!std::binary_search(speakers.begin(), speakers.end(), s))
      out.warnings.push_back(cat("data.folds: speaker '", s, "' (fold ", f, ") has no clips"));
  return out;
}

}  // namespace calmspace
