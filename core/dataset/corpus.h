// Corpus adapters: a folder (or CSV manifest) of recordings -> a list of labelled clips.
// Adapters only read names, never audio: decoding happens in prepare (core/dataset/prepare.h).
// A file whose name does not follow the corpus's naming is reported in `skipped` with the reason
// and left out; an adapter never guesses a label or a speaker.
// The adapters live in datasets/ (datasets/adapters.h), one file each, and register themselves.
// The on-disk schema these lists become is documented in datasets/README.md.
#pragma once

#include <string>
#include <vector>

namespace calmspace {

struct ClipRecord {
  std::string path;          // absolute or as given, as opened by the decoder
  std::string label;         // one of CorpusListing::label_names
  std::string speaker;       // speaker id: "01".."24" (RAVDESS), "OAF"/"YAF" (TESS), free (CSV)
  std::string utterance_id;  // from the corpus naming: RAVDESS file stem, TESS "OAF_back_angry"
  std::string split;         // "" unless the manifest gives one ("train", "test", ...)
};

struct SkippedFile {
  std::string path;
  std::string reason;
};

struct CorpusListing {
  std::string corpus;                    // "ravdess", "tess", "csv"
  std::string root;                      // the folder paths are relative to in the dataset file
  std::vector<std::string> label_names;  // fixed order; label id = index
  std::vector<ClipRecord> clips;         // sorted by path
  std::vector<SkippedFile> skipped;      // files that do not follow the naming, sorted by path
  bool has_split = false;                // the manifest has a split column
};

// An adapter: the name `prepare` takes, one line for --help, and the function that lists a corpus.
// Every adapter registers itself from its own file in datasets/ (CALMSPACE_CORPUS_ADAPTER), so a
// new corpus is one new file there.
struct CorpusAdapter {
  std::string name;         // e.g. "ravdess"
  int order = 0;            // place in listings (--help): lower first
  std::string description;  // e.g. "RAVDESS speech: Actor_XX/03-01-EE-II-SS-RR-AA.{wav,flac}"
  CorpusListing (*list)(const std::string& root) = nullptr;
};
// Adds an adapter; returns true (for the macro's static initialiser). A second adapter of the
// same name is an internal error.
bool register_corpus_adapter(const CorpusAdapter& adapter);
// Every registered adapter, by order then name.
std::vector<CorpusAdapter> corpus_adapters();
std::vector<std::string> corpus_kinds();

// Dispatch by name. Unknown kind -> InputError naming the known ones.
CorpusListing list_corpus(const std::string& kind, const std::string& root);

}  // namespace calmspace

#define CALMSPACE_CORPUS_ADAPTER(id, ...)                    \
  [[maybe_unused]] static const bool calmspace_corpus_##id = \
      ::calmspace::register_corpus_adapter(::calmspace::CorpusAdapter{__VA_ARGS__})
