// merge: several dataset files (one per corpus, from `calmspace prepare`) -> one multi-corpus
// dataset file, the work behind `calmspace merge`.
//   - a corpus id per clip (/clips/corpus, /corpora/names): the input's corpus name, or its file
//     stem when the input was made from a CSV manifest ("casia" for casia.h5);
//   - speakers namespaced by corpus ("ravdess/01", "tess/OAF"), so no two corpora share one;
//   - one label set through the label map (data.label_map, data.labels; core/dataset/label_map.h):
//     clips whose label maps outside it are dropped and counted per corpus and label;
//   - speaker-independent folds within each corpus (data.num_folds): corpus c's sorted speakers
//     are dealt into contiguous groups, fold f taking speakers [f*n/k, (f+1)*n/k) (RAVDESS's 24
//     actors in 6 folds: 01-04, 05-08, ...; TESS's 2 speakers land in folds 2 and 5), or the
//     namespaced lists of data.folds.
// Waveforms are copied clip by clip (memory: one clip); stored feature sets are not carried over
// (training computes features from the waveforms, or `prepare` with data.store_features).
// Written to a temporary and renamed: never a half-written file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config/config.h"

namespace calmspace {

struct MergeCorpusReport {
  std::string name;    // corpus name in the merged file
  std::string source;  // input file
  std::int64_t clips_in = 0;
  std::int64_t clips_written = 0;
  int speakers = 0;
  std::map<std::string, std::string> label_mapping;    // input label -> merged label ("" dropped)
  std::map<std::string, std::int64_t> dropped_labels;  // input label -> clips dropped
};

struct MergeReport {
  std::string output;
  std::vector<std::string> labels;  // the merged label set
  std::vector<MergeCorpusReport> corpora;
  int num_folds = 0;
  std::int64_t clips_written = 0;
  double total_audio_s = 0;

  std::string to_json() const;  // the FILE.h5.report.json text
};

// `inputs`: dataset files, each of one corpus (or merged files, whose corpora are kept). Throws
// InputError naming the input for a sample rate that differs from the first input's, two inputs
// of the same corpus name, or a merged label set that keeps no clip.
MergeReport merge_datasets(const std::vector<std::string>& inputs, const Config& config,
                           const std::string& output_path);

}  // namespace calmspace
