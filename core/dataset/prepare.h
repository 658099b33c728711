// prepare: corpus listing -> decoded waveforms -> dataset file, the work behind `calmspace
// prepare`.
//   list (adapter) -> the label set (the listing's, or data.labels with the listing's labels
//   mapped onto it by name, core/dataset/label_map.h; clips outside it left out and counted)
//   -> assign speaker-independent folds (data.folds / data.num_folds)
//   -> decode in parallel (data.num_threads), batch by batch, write sequentially in path order
//   -> close, rename the temporary over the output (never a half-written file).
// A clip that fails to decode is skipped and reported; if no clip decodes, nothing is written and
// an InputError is thrown.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/dataset/corpus.h"

namespace calmspace {

struct PrepareReport {
  std::string corpus;
  std::string root;
  std::string output;
  std::int64_t files_listed = 0;               // clips the adapter accepted
  std::int64_t clips_written = 0;              // clips in the output file
  std::vector<SkippedFile> skipped_by_name;    // rejected by the adapter (naming, bad row)
  std::vector<SkippedFile> skipped_by_decode;  // failed to decode
  std::vector<std::string> warnings;
  // With data.labels: clips whose label maps to none of that set, by their corpus label.
  std::map<std::string, std::int64_t> labels_left_out;
  double total_audio_s = 0;  // duration of the written clips
  double elapsed_s = 0;
  int threads = 0;

  std::string to_json() const;  // the FILE.h5.report.json text
};

// Called once per skipped file or warning, in a stable order, with a line such as
// "skipped PATH: reason" or "warning: ...".
using PrepareLog = std::function<void(const std::string& line)>;

PrepareReport prepare_dataset(const CorpusListing& listing, Config& config,
                              const std::string& output_path, const PrepareLog& log = {});

}  // namespace calmspace
