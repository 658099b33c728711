#include "core/dataset/corpus.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "core/base/error.h"

namespace calmspace {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, CorpusAdapter> adapters;
};
Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

bool register_corpus_adapter(const CorpusAdapter& adapter) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  CALMSPACE_CHECK(adapter.list && !r.adapters.count(adapter.name), "corpus adapter '", adapter.name,
                  "' registered twice or without a list function");
  r.adapters[adapter.name] = adapter;
  return true;
}

std::vector<CorpusAdapter> corpus_adapters() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<CorpusAdapter> out;
  for (const auto& [name, a] : r.adapters) out.push_back(a);
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
  return out;
}

std::vector<std::string> corpus_kinds() {
  std::vector<std::string> kinds;
  for (const CorpusAdapter& a : corpus_adapters()) kinds.push_back(a.name);
  return kinds;
}

CorpusListing list_corpus(const std::string& kind, const std::string& root) {
  for (const CorpusAdapter& a : corpus_adapters())
    if (a.name == kind) return a.list(root);
  std::string known;
  for (const std::string& k : corpus_kinds()) known += (known.empty() ? "" : ", ") + k;
  throw InputError(kind, "unknown corpus (known: " + known + ")");
}

}  // namespace calmspace
