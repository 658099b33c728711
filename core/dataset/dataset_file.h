// The dataset file (HDF5, schema in datasets/README.md): waveforms (ragged, concatenated) plus
// per-clip label, speaker, fold, utterance id, source path and optional split, and optional
// feature sets keyed by the feature options that made them. Written by DatasetWriter (used by
// `calmspace prepare`), read by DatasetFile (training, `calmspace info`), readable from h5py.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/config/feature_options.h"

namespace calmspace {

inline constexpr const char* kDatasetFormat = "calmspace-dataset";  // root attribute `format`
inline constexpr int kDatasetSchemaVersion = 1;

// File-level description.
struct DatasetHeader {
  std::string corpus;  // "ravdess", "tess", "csv", "merged"
  std::string root;    // folder clip paths are relative to ("" = absolute)
  // Corpora of the clips (ClipInfo::corpus indexes it): one name for a prepared corpus, several
  // for a merged dataset (core/dataset/merge.h). The writer fills in {corpus} when empty.
  std::vector<std::string> corpus_names;
  int sample_rate = 0;                     // Hz, of every stored waveform
  std::vector<std::string> label_names;    // label id = index
  std::vector<std::string> speaker_names;  // speaker id = index, sorted
  std::vector<int> speaker_fold;           // fold of each speaker
  int num_folds = 0;
  bool has_split = false;   // clips carry a split string (from a CSV manifest)
  std::string config_yaml;  // the resolved config that made the file (informational)
  int compression = 0;      // gzip level for /waveforms (writer only)
};

// One clip's metadata; offset/length locate its samples in /waveforms.
struct ClipInfo {
  int label = 0;    // index into label_names
  int speaker = 0;  // index into speaker_names
  int fold = 0;     // fold of the speaker
  std::string utterance_id;
  std::string path;   // relative to DatasetHeader::root
  std::string split;  // "" when the file has no split
  std::int64_t offset = 0;
  std::int64_t length = 0;  // samples
  int corpus = 0;           // index into DatasetHeader::corpus_names
};

// A precomputed feature set: rows of all clips concatenated, (total_frames, feature_dim).
struct FeatureSet {
  std::string key;           // group name under /features: "<kind>-<16 hex digits>"
  std::string options_yaml;  // the FeatureOptions that made it (attribute `options`)
  int feature_dim = 0;
  std::vector<std::int64_t> offsets;  // (N,) first row of each clip
  std::vector<std::int64_t> frames;   // (N,) frame count of each clip
  std::vector<float> data;            // (total_frames * feature_dim), row-major

  // Appends one clip's (frames, feature_dim) rows.
  void append(std::span<const float> rows, std::int64_t num_frames);
  std::int64_t total_frames() const {
    return static_cast<std::int64_t>(data.size()) / (feature_dim ? feature_dim : 1);
  }
};

// An empty set for `options` (key, options_yaml and feature_dim filled in).
FeatureSet make_feature_set(const FeatureOptions& options, int sample_rate);

// Writes a new dataset file at `path` (truncating it). Clips are appended in order; close()
// writes the per-clip tables. Not thread-safe. Destroying an unclosed writer closes the HDF5
// file without the tables: callers write to an AtomicFile temporary and commit only after close().
class DatasetWriter {
 public:
  DatasetWriter(const std::string& path, DatasetHeader header);
  ~DatasetWriter();
  DatasetWriter(const DatasetWriter&) = delete;
  DatasetWriter& operator=(const DatasetWriter&) = delete;

  // `clip.offset` and `clip.length` are filled in by the writer.
  void append(ClipInfo clip, std::span<const float> samples);
  // A feature set for the clips appended so far (call after the last append).
  void write_feature_set(const FeatureSet& set);
  std::int64_t num_clips() const;
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Summary of a stored feature set.
struct FeatureSetInfo {
  std::string key;
  std::string options_yaml;
  int feature_dim = 0;
  std::int64_t total_frames = 0;
};

// Opens a dataset file read-only; reads all metadata up front. Throws InputError(path, reason)
// for a missing file, a non-HDF5 file, a file of another format or an unsupported schema.
class DatasetFile {
 public:
  explicit DatasetFile(const std::string& path);
  ~DatasetFile();
  DatasetFile(DatasetFile&&) noexcept;
  DatasetFile& operator=(DatasetFile&&) noexcept;

  const std::string& path() const;
  const DatasetHeader& header() const;
  int schema_version() const;
  int sample_rate() const { return header().sample_rate; }
  const std::vector<std::string>& label_names() const { return header().label_names; }
  const std::vector<std::string>& speaker_names() const { return header().speaker_names; }
  const std::vector<ClipInfo>& clips() const;
  std::size_t size() const { return clips().size(); }

  // Samples of clip i, mono float32 at sample_rate().
  std::vector<float> waveform(std::size_t i) const;

  std::vector<FeatureSetInfo> feature_sets() const;
  bool has_feature_set(const std::string& key) const;
  FeatureSet read_feature_set(const std::string& key) const;
  // Rows of clip i in the set: (frames[i], feature_dim), row-major.
  std::vector<float> clip_features(const std::string& key, std::size_t i) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Adds (or replaces) a feature set in an existing dataset file without ever leaving a
// half-written file: the file is copied to a temporary, extended, and renamed over the original.
// Throws InputError if the set's clip count differs from the file's.
void add_feature_set(const std::string& dataset_path, const FeatureSet& set);

}  // namespace calmspace
