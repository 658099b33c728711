// How a corpus becomes a dataset file: speaker-independent folds and storage settings.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/base/options.h"

namespace calmspace {

// What a test fold is: a group of speakers (speaker-independent CV within the corpora) or one
// whole corpus of a multi-corpus dataset (leave-one-corpus-out).
enum class FoldBy { Speaker, Corpus };

inline const EnumTable<FoldBy>& fold_by_table() {
  static const EnumTable<FoldBy> t = {{"speaker", FoldBy::Speaker}, {"corpus", FoldBy::Corpus}};
  return t;
}

struct DataOptions {
  // Explicit speaker-independent folds: each inner list names the speakers of one fold, by the
  // speaker ids the corpus adapter gives ("01".."24" for RAVDESS actors, "OAF"/"YAF" for TESS).
  // Empty: speakers sorted by id are dealt into `num_folds` contiguous groups.
  std::vector<std::vector<std::string>> folds;
  int num_folds = 6;
  int compression = 0;          // gzip level 0-9 for the waveform dataset (0 = none, fastest)
  int num_threads = 0;          // decoding threads for prepare; 0 = all hardware threads
  bool store_features = false;  // prepare also stores the `features` section's feature set
  // Label synonyms on top of the built-in ones (core/dataset/label_map.h): corpus label ->
  // CalmSpace label, e.g. {ps: surprised, fear: fearful}. Used by merge and cross-corpus eval.
  std::map<std::string, std::string> label_map;
  // The label set of a dataset, in order: `merge` maps every file's labels onto it (empty = every
  // mapped label, canonical order); `prepare` maps the corpus's labels onto it (empty = the
  // corpus's own). Clips of a label outside the set are left out and counted.
  std::vector<std::string> labels;
  FoldBy fold_by = FoldBy::Speaker;

  void register_options(OptionRegistry& r) {
    r.add("folds", &folds, "speaker ids per fold; empty = deal sorted speakers into num_folds");
    r.add("num_folds", &num_folds, "number of folds when `folds` is empty");
    r.add("compression", &compression, "gzip level 0-9 for stored waveforms");
    r.add("num_threads", &num_threads, "decoding threads for prepare; 0 = all cores");
    r.add("store_features", &store_features,
          "prepare also computes and stores the feature set the `features` section describes");
    r.add("label_map", &label_map,
          "label synonyms, corpus label -> CalmSpace label, on top of the built-in ones "
          "(ps/pleasant_surprise -> surprised, fear -> fearful, ...)");
    r.add("labels", &labels,
          "label set of a dataset (prepare, merge), labels mapped onto it by name; empty = "
          "the corpus's own (prepare) or every mapped label (merge)");
    r.add_enum("fold_by", &fold_by, fold_by_table(),
               "test folds: speaker groups within the corpora, or one corpus each "
               "(leave-one-corpus-out)");
  }
  void validate() const;
};

}  // namespace calmspace
