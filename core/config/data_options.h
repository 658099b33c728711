// How a corpus becomes a dataset file: speaker-independent folds and storage settings.
#pragma once

#include <string>
#include <vector>

#include "core/base/options.h"

namespace calmspace {

struct DataOptions {
  // Explicit speaker-independent folds: each inner list names the speakers of one fold, by the
  // speaker ids the corpus adapter gives ("01".."24" for RAVDESS actors, "OAF"/"YAF" for TESS).
  // Empty: speakers sorted by id are dealt into `num_folds` contiguous groups.
  std::vector<std::vector<std::string>> folds;
  int num_folds = 6;
  int compression = 0;          // gzip level 0-9 for the waveform dataset (0 = none, fastest)
  int num_threads = 0;          // decoding threads for prepare; 0 = all hardware threads
  bool store_features = false;  // prepare also stores the `features` section's feature set

  void register_options(OptionRegistry& r) {
    r.add("folds", &folds, "speaker ids per fold; empty = deal sorted speakers into num_folds");
    r.add("num_folds", &num_folds, "number of folds when `folds` is empty");
    r.add("compression", &compression, "gzip level 0-9 for stored waveforms");
    r.add("num_threads", &num_threads, "decoding threads for prepare; 0 = all cores");
    r.add("store_features", &store_features,
          "prepare also computes and stores the feature set the `features` section describes");
  }
  void validate() const;
};

}  // namespace calmspace
