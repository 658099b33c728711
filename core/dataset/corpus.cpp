#include "core/dataset/corpus.h"

#include "core/error.h"

namespace calmspace {

const std::vector<std::string>& corpus_kinds() {
  static const std::vector<std::string> kinds = {"ravdess", "tess", "csv"};
  return kinds;
}

CorpusListing list_corpus(const std::string& kind, const std::string& root) {
  if (kind == "ravdess") return list_ravdess(root);
  if (kind == "tess") return list_tess(root);
  if (kind == "csv") return list_csv_manifest(root);
  throw InputError(kind, "unknown corpus (known: ravdess, tess, csv)");
}

}  // namespace calmspace
