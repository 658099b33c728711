// `calmspace history export`: the person's labelled analyses (history_store.h corrections) as a
// dataset any CalmSpace verb reads:
//   OUT.csv            path,label,speaker,split  (prepare csv; paths relative to OUT.csv's folder)
//   OUT/<id>.flac      each recording decoded to 16 kHz mono, 16-bit FLAC
// speaker is one name for the whole history (one person's data folder). split: "train", or
// "valid" for a held-out share of each label's clips (the newest ones; a label with one clip
// keeps it for training), for fine-tuning with early stopping (core/train/fine_tuning.h).
// A recording that no longer decodes is skipped and reported. Nothing already there is replaced
// unless asked, and then only an earlier export (a folder of <id>.flac files); the recordings are
// written to a staging folder renamed into place at the end, then the CSV (temporary file, then
// rename), so a failed export leaves the previous one whole.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "serve/history_store.h"

namespace calmspace::serve {

struct ExportOptions {
  double holdout = 0.0;  // share of each label's clips marked "valid", in [0, 0.5]
  std::string speaker = "user";
  bool overwrite = false;  // replace an existing OUT.csv and OUT/ folder (an export's own)
  std::string data_dir;    // the history's folder: refused as, in or around the output
};

struct ExportReport {
  std::string manifest;  // the CSV written
  std::int64_t written = 0, held_out = 0;
  std::vector<std::pair<std::int64_t, std::string>> skipped;  // (analysis id, reason)
};

// InputError(out_csv, reason) when it is not a .csv name, lies in the data folder, exists
// (without overwrite), when nothing is labelled, or when no labelled recording decodes;
// InputError(folder) when the recordings folder holds files an export did not make.
ExportReport export_corrections(HistoryStore& store, const std::string& out_csv,
                                const ExportOptions& options);

}  // namespace calmspace::serve
