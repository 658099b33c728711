// Corpus adapters: a folder (or CSV manifest) of recordings -> a list of labelled clips.
// Adapters only read names, never audio: decoding happens in prepare (core/dataset/prepare.h).
// A file whose name does not follow the corpus's naming is reported in `skipped` with the reason
// and left out; an adapter never guesses a label or a speaker.
//   RAVDESS   datasets/ravdess.cpp       Actor_XX/03-01-EE-II-SS-RR-AA.{wav,flac}
//   TESS      datasets/tess.cpp          {OAF,YAF}_<emotion>/<speaker>_<word>_<emotion>.{wav,flac}
//   CSV       datasets/csv_manifest.cpp  path,label,speaker[,split] with a header row
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

// RAVDESS speech: labels neutral calm happy sad angry fearful disgust surprised (emotion codes
// 01..08); speaker = actor field "01".."24". Throws InputError(root, ...) if root is no folder.
CorpusListing list_ravdess(const std::string& root);
const std::vector<std::string>& ravdess_label_names();

// TESS: labels angry disgust fear happy neutral pleasant_surprise sad; speaker from the folder
// name (OAF_/YAF_), since one file is named OA_bite_neutral.
CorpusListing list_tess(const std::string& root);
const std::vector<std::string>& tess_label_names();

// CSV manifest `path,label,speaker[,split]` (header row, columns in any order, RFC 4180 quoting);
// paths relative to the manifest's folder. Labels in order of first appearance. Bad rows are
// skipped and reported as "<manifest>:<line>". Throws InputError for an unreadable manifest or
// a bad header.
CorpusListing list_csv_manifest(const std::string& manifest_path);

// Dispatch by name: "ravdess", "tess", "csv". Unknown kind -> InputError.
CorpusListing list_corpus(const std::string& kind, const std::string& root);
const std::vector<std::string>& corpus_kinds();

// Splits one CSV record (no embedded newlines) into fields; throws InputError("", reason) on an
// unterminated quote. Exposed for tests.
std::vector<std::string> split_csv_line(const std::string& line);

}  // namespace calmspace
