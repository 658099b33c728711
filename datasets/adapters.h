// The corpus adapters' own entry points (each also registers itself with core/dataset/corpus.h,
// which is how `prepare` finds it; tests call these directly).
//   RAVDESS   ravdess.cpp       Actor_XX/03-01-EE-II-SS-RR-AA.{wav,flac}
//   TESS      tess.cpp          {OAF,YAF}_<emotion>/<speaker>_<word>_<emotion>.{wav,flac}
//   CSV       csv_manifest.cpp  path,label,speaker[,split] with a header row
#pragma once

#include <string>
#include <vector>

#include "core/dataset/corpus.h"

namespace calmspace {

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

// Splits one CSV record (no embedded newlines) into fields; throws InputError("", reason) on an
// unterminated quote. Exposed for tests.
std::vector<std::string> split_csv_line(const std::string& line);

}  // namespace calmspace
