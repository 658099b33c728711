#include "core/dataset/dataset_file.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/base/hdf5_util.h"

namespace calmspace {
namespace {

constexpr hsize_t kWaveformChunk = 1 << 16;  // samples per HDF5 chunk (256 KiB)

// Validates a feature set against a file of `num_clips` clips and writes /features/<key>.
void write_feature_group(hid_t file, const FeatureSet& set, std::int64_t num_clips,
                         int sample_rate) {
  if (set.key.empty() || set.key.find('/') != std::string::npos || set.key == "." ||
      set.key == "..")
    throw InputError(set.key, "a feature set key must be a plain name");
  if (set.feature_dim <= 0) throw InputError(set.key, "feature_dim must be > 0");
  if (static_cast<std::int64_t>(set.frames.size()) != num_clips ||
      set.offsets.size() != set.frames.size())
    throw InputError(set.key, cat("the feature set has ", set.frames.size(),
                                  " clips but the dataset has ", num_clips));
  std::int64_t rows = 0;
  for (std::size_t i = 0; i < set.frames.size(); ++i) {
    if (set.offsets[i] != rows || set.frames[i] < 0)
      throw InputError(set.key, cat("clip ", i, ": offset ", set.offsets[i], " != ", rows));
    rows += set.frames[i];
  }
  if (static_cast<std::int64_t>(set.data.size()) != rows * set.feature_dim)
    throw InputError(set.key, cat("data holds ", set.data.size(), " values, expected ", rows,
                                  " frames x ", set.feature_dim));
  if (!h5::exists(file, "features")) h5::group_create(file, "features");
  h5::Handle features = h5::group_open(file, "features");
  if (h5::exists(features, set.key))
    h5::check(H5Ldelete(features, set.key.c_str(), H5P_DEFAULT), "replace " + set.key);
  h5::Handle group = h5::group_create(features, set.key);
  h5::write_attr_string(group, "options", set.options_yaml);
  h5::write_attr_int(group, "feature_dim", set.feature_dim);
  h5::write_attr_int(group, "sample_rate", sample_rate);
  h5::write_array<float>(group, "data", set.data,
                         {static_cast<hsize_t>(rows), static_cast<hsize_t>(set.feature_dim)});
  h5::write_array<std::int64_t>(group, "offset", set.offsets);
  h5::write_array<std::int64_t>(group, "frames", set.frames);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Feature sets

void FeatureSet::append(std::span<const float> rows, std::int64_t num_frames) {
  CALMSPACE_CHECK(
      feature_dim > 0 && static_cast<std::int64_t>(rows.size()) == num_frames * feature_dim,
      "rows.size()=", rows.size(), " frames=", num_frames, " dim=", feature_dim);
  offsets.push_back(total_frames());
  frames.push_back(num_frames);
  data.insert(data.end(), rows.begin(), rows.end());
}

FeatureSet make_feature_set(const FeatureOptions& options, int sample_rate) {
  FeatureSet set;
  FeatureOptions stored = options;  // the features before any speaker normalisation
  stored.speaker_norm = Cmvn::None;
  set.key = feature_set_key(stored);
  set.options_yaml = feature_options_yaml(stored);
  set.feature_dim = options.feature_dim(sample_rate);
  return set;
}

// ---------------------------------------------------------------------------------------------
// Writer

struct DatasetWriter::Impl {
  std::string path;
  DatasetHeader header;
  h5::Handle file;
  h5::Handle waveforms;
  std::int64_t total = 0;
  std::vector<ClipInfo> clips;
  bool closed = false;
};

DatasetWriter::DatasetWriter(const std::string& path, DatasetHeader header)
    : impl_(std::make_unique<Impl>()) {
  h5::quiet();
  auto& m = *impl_;
  m.path = path;
  m.header = std::move(header);
  if (m.header.corpus_names.empty()) m.header.corpus_names = {m.header.corpus};
  CALMSPACE_CHECK(m.header.speaker_fold.size() == m.header.speaker_names.size());
  m.file = h5::Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  if (!m.file.valid()) throw InputError(path, "cannot create the HDF5 file");

  const auto& h = m.header;
  h5::write_attr_string(m.file, "format", kDatasetFormat);
  h5::write_attr_int(m.file, "schema_version", kDatasetSchemaVersion);
  h5::write_attr_int(m.file, "sample_rate", h.sample_rate);
  h5::write_attr_string(m.file, "corpus", h.corpus);
  h5::write_attr_string(m.file, "root", h.root);
  h5::write_attr_int(m.file, "num_folds", h.num_folds);
  h5::write_attr_int(m.file, "has_split", h.has_split ? 1 : 0);
  h5::write_attr_string(m.file, "config", h.config_yaml);
  h5::write_attr_string(m.file, "created_by", std::string("calmspace ") + CALMSPACE_VERSION);

  // /waveforms: (total_samples,) float32, extended clip by clip.
  const hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = kWaveformChunk;
  h5::Handle space = h5::check(H5Screate_simple(1, &zero, &unlimited), "waveforms");
  h5::Handle plist = h5::check(H5Pcreate(H5P_DATASET_CREATE), "waveforms plist");
  h5::check(H5Pset_chunk(plist, 1, &chunk), "waveforms chunk");
  if (h.compression > 0) {
    h5::check(H5Pset_shuffle(plist), "waveforms shuffle");
    h5::check(H5Pset_deflate(plist, static_cast<unsigned>(h.compression)), "waveforms deflate");
  }
  m.waveforms = h5::check(
      H5Dcreate2(m.file, "waveforms", H5T_IEEE_F32LE, space, H5P_DEFAULT, plist, H5P_DEFAULT),
      "create waveforms");
}

DatasetWriter::~DatasetWriter() = default;

std::int64_t DatasetWriter::num_clips() const {
  return static_cast<std::int64_t>(impl_->clips.size());
}

void DatasetWriter::append(ClipInfo clip, std::span<const float> samples) {
  auto& m = *impl_;
  CALMSPACE_CHECK(!m.closed, "append after close");
  CALMSPACE_CHECK(clip.label >= 0 && clip.label < static_cast<int>(m.header.label_names.size()));
  CALMSPACE_CHECK(clip.speaker >= 0 &&
                  clip.speaker < static_cast<int>(m.header.speaker_names.size()));
  CALMSPACE_CHECK(clip.corpus >= 0 && clip.corpus < static_cast<int>(m.header.corpus_names.size()));
  const hsize_t n = samples.size();
  const hsize_t start = static_cast<hsize_t>(m.total);
  if (n) {
    const hsize_t new_size = start + n;
    h5::check(H5Dset_extent(m.waveforms, &new_size), "extend waveforms");
    h5::Handle file_space = h5::check(H5Dget_space(m.waveforms), "waveforms space");
    h5::check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &start, nullptr, &n, nullptr),
              "waveforms selection");
    h5::Handle mem_space = h5::check(H5Screate_simple(1, &n, nullptr), "mem space");
    h5::check(
        H5Dwrite(m.waveforms, H5T_NATIVE_FLOAT, mem_space, file_space, H5P_DEFAULT, samples.data()),
        "write waveforms");
  }
  clip.offset = m.total;
  clip.length = static_cast<std::int64_t>(n);
  m.total += clip.length;
  m.clips.push_back(std::move(clip));
}

void DatasetWriter::write_feature_set(const FeatureSet& set) {
  CALMSPACE_CHECK(!impl_->closed, "write_feature_set after close");
  write_feature_group(impl_->file, set, num_clips(), impl_->header.sample_rate);
}

void DatasetWriter::close() {
  auto& m = *impl_;
  if (m.closed) return;
  const auto& h = m.header;
  {
    h5::Handle labels = h5::group_create(m.file, "labels");
    h5::write_strings(labels, "names", h.label_names);
    h5::Handle speakers = h5::group_create(m.file, "speakers");
    h5::write_strings(speakers, "names", h.speaker_names);
    std::vector<std::int32_t> fold(h.speaker_fold.begin(), h.speaker_fold.end());
    h5::write_array<std::int32_t>(speakers, "fold", fold);

    const std::size_t n = m.clips.size();
    h5::Handle corpora = h5::group_create(m.file, "corpora");
    h5::write_strings(corpora, "names", h.corpus_names);

    std::vector<std::int32_t> label(n), speaker(n), clip_fold(n), corpus(n);
    std::vector<std::int64_t> offset(n), length(n);
    std::vector<std::string> utterance(n), path(n), split(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& c = m.clips[i];
      label[i] = c.label;
      speaker[i] = c.speaker;
      clip_fold[i] = c.fold;
      corpus[i] = c.corpus;
      offset[i] = c.offset;
      length[i] = c.length;
      utterance[i] = c.utterance_id;
      path[i] = c.path;
      split[i] = c.split;
    }
    h5::Handle clips = h5::group_create(m.file, "clips");
    h5::write_array<std::int32_t>(clips, "label", label);
    h5::write_array<std::int32_t>(clips, "speaker", speaker);
    h5::write_array<std::int32_t>(clips, "fold", clip_fold);
    h5::write_array<std::int32_t>(clips, "corpus", corpus);
    h5::write_array<std::int64_t>(clips, "offset", offset);
    h5::write_array<std::int64_t>(clips, "length", length);
    h5::write_strings(clips, "utterance_id", utterance);
    h5::write_strings(clips, "path", path);
    if (h.has_split) h5::write_strings(clips, "split", split);
    if (!h5::exists(m.file, "features")) h5::group_create(m.file, "features");
  }
  m.waveforms.reset();
  h5::check(H5Fflush(m.file, H5F_SCOPE_GLOBAL), "flush " + m.path);
  const herr_t status = H5Fclose(m.file.release());  // checked: a full disk shows here
  m.closed = true;
  if (status < 0) throw InputError(m.path, "closing the HDF5 file failed (disk full?)");
}

// ---------------------------------------------------------------------------------------------
// Reader

struct DatasetFile::Impl {
  std::string path;
  DatasetHeader header;
  int schema_version = 0;
  std::vector<ClipInfo> clips;
  std::int64_t total_samples = 0;
  h5::Handle file;
  h5::Handle waveforms;

  [[noreturn]] void corrupt(const std::string& what) const {
    throw InputError(path, "corrupt CalmSpace dataset file: " + what);
  }

  void load() {
    h5::quiet();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw InputError(path, "no such file");
    if (std::filesystem::is_directory(path, ec))
      throw InputError(path, "is a folder, not a dataset file");
    if (H5Fis_hdf5(path.c_str()) <= 0)
      throw InputError(path, "not an HDF5 file (expected a dataset written by calmspace prepare)");
    file = h5::Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file.valid()) throw InputError(path, "cannot open the HDF5 file");
    if (!h5::has_attr(file, "format") || h5::read_attr_string(file, "format") != kDatasetFormat)
      throw InputError(path, "an HDF5 file but not a CalmSpace dataset (no format attribute '" +
                                 std::string(kDatasetFormat) + "')");
    if (!h5::has_attr(file, "schema_version")) corrupt("no schema_version attribute");
    schema_version = h5::read_attr_int(file, "schema_version");
    if (schema_version < 1 || schema_version > kDatasetSchemaVersion)
      throw InputError(
          path, cat("schema version ", schema_version,
                    " is not supported (this calmspace reads 1..", kDatasetSchemaVersion, ")"));
    for (const char* name : {"labels/names", "speakers/names", "speakers/fold", "clips/label",
                             "clips/speaker", "clips/fold", "clips/offset", "clips/length",
                             "clips/utterance_id", "clips/path", "waveforms"})
      if (!h5::exists(file, name)) corrupt(std::string("missing /") + name);
    for (const char* name : {"sample_rate", "num_folds"})
      if (!h5::has_attr(file, name)) corrupt(std::string("no ") + name + " attribute");

    auto& h = header;
    h.sample_rate = h5::read_attr_int(file, "sample_rate");
    h.num_folds = h5::read_attr_int(file, "num_folds");
    h.corpus = h5::has_attr(file, "corpus") ? h5::read_attr_string(file, "corpus") : "";
    h.root = h5::has_attr(file, "root") ? h5::read_attr_string(file, "root") : "";
    h.config_yaml = h5::has_attr(file, "config") ? h5::read_attr_string(file, "config") : "";
    h.label_names = h5::read_strings(file, "labels/names");
    h.speaker_names = h5::read_strings(file, "speakers/names");
    const auto speaker_fold = h5::read_array<std::int32_t>(file, "speakers/fold");
    h.speaker_fold.assign(speaker_fold.begin(), speaker_fold.end());
    h.has_split = h5::exists(file, "clips/split");

    const auto label = h5::read_array<std::int32_t>(file, "clips/label");
    const auto speaker = h5::read_array<std::int32_t>(file, "clips/speaker");
    const auto fold = h5::read_array<std::int32_t>(file, "clips/fold");
    const auto offset = h5::read_array<std::int64_t>(file, "clips/offset");
    const auto length = h5::read_array<std::int64_t>(file, "clips/length");
    const auto utterance = h5::read_strings(file, "clips/utterance_id");
    const auto paths = h5::read_strings(file, "clips/path");
    const auto split = h.has_split ? h5::read_strings(file, "clips/split")
                                   : std::vector<std::string>(label.size());
    const std::size_t n = label.size();
    // Files from before multi-corpus datasets have no /corpora: one corpus, the file's.
    h.corpus_names = h5::exists(file, "corpora/names") ? h5::read_strings(file, "corpora/names")
                                                       : std::vector<std::string>{h.corpus};
    if (h.corpus_names.empty()) corrupt("/corpora/names is empty");
    const auto corpus = h5::exists(file, "clips/corpus")
                            ? h5::read_array<std::int32_t>(file, "clips/corpus")
                            : std::vector<std::int32_t>(n, 0);
    for (std::size_t size : {speaker.size(), fold.size(), offset.size(), length.size(),
                             utterance.size(), paths.size(), split.size(), corpus.size()})
      if (size != n) corrupt("per-clip datasets differ in length");
    if (h.speaker_fold.size() != h.speaker_names.size())
      corrupt("/speakers/fold and /speakers/names differ in length");
    if (h.num_folds < 1 || h.num_folds > 1000) corrupt(cat("it has ", h.num_folds, " folds"));
    for (std::size_t s = 0; s < h.speaker_fold.size(); ++s)
      if (h.speaker_fold[s] < 0 || h.speaker_fold[s] >= h.num_folds)
        corrupt(cat("speaker ", s, " has fold ", h.speaker_fold[s], " (the file has ", h.num_folds,
                    " folds)"));

    waveforms = h5::dataset_open(file, "waveforms");
    const auto dims = h5::dims_of(waveforms);
    if (dims.size() != 1) corrupt("/waveforms is not one-dimensional");
    total_samples = static_cast<std::int64_t>(dims[0]);

    clips.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      auto& c = clips[i];
      c.label = label[i];
      c.speaker = speaker[i];
      c.fold = fold[i];
      c.corpus = corpus[i];
      c.offset = offset[i];
      c.length = length[i];
      c.utterance_id = utterance[i];
      c.path = paths[i];
      c.split = split[i];
      if (c.label < 0 || c.label >= static_cast<int>(h.label_names.size()))
        corrupt(cat("clip ", i, " has label id ", c.label));
      if (c.speaker < 0 || c.speaker >= static_cast<int>(h.speaker_names.size()))
        corrupt(cat("clip ", i, " has speaker id ", c.speaker));
      if (c.corpus < 0 || c.corpus >= static_cast<int>(h.corpus_names.size()))
        corrupt(cat("clip ", i, " has corpus id ", c.corpus));
      if (c.fold < 0 || c.fold >= h.num_folds)
        corrupt(cat("clip ", i, " has fold ", c.fold, " (the file has ", h.num_folds, " folds)"));
      // Written so that no sum can overflow (an offset near INT64_MAX).
      if (c.offset < 0 || c.length < 0 || c.offset > total_samples ||
          c.length > total_samples - c.offset)
        corrupt(cat("clip ", i, " lies outside /waveforms"));
      if (c.length == 0) corrupt(cat("clip ", i, " has no samples (length 0)"));
    }
  }
};

DatasetFile::DatasetFile(const std::string& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  try {
    impl_->load();
  } catch (const InputError&) {
    throw;
  } catch (const Error& e) {
    throw InputError(path, std::string("unreadable dataset file (") + e.what() + ")");
  }
}

DatasetFile::~DatasetFile() = default;
DatasetFile::DatasetFile(DatasetFile&&) noexcept = default;
DatasetFile& DatasetFile::operator=(DatasetFile&&) noexcept = default;

const std::string& DatasetFile::path() const {
  return impl_->path;
}
const DatasetHeader& DatasetFile::header() const {
  return impl_->header;
}
int DatasetFile::schema_version() const {
  return impl_->schema_version;
}
const std::vector<ClipInfo>& DatasetFile::clips() const {
  return impl_->clips;
}

namespace {

// Reads rows [start, start+count) of a 1-D or 2-D float dataset (width = second dim or 1).
std::vector<float> read_rows(hid_t ds, hsize_t start, hsize_t count, hsize_t width,
                             const std::string& what) {
  std::vector<float> out(count * width);
  if (!count || !width) return out;
  h5::Handle file_space = h5::check(H5Dget_space(ds), what);
  const hsize_t offset[2] = {start, 0}, counts[2] = {count, width};
  h5::check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, offset, nullptr, counts, nullptr),
            what);
  const hsize_t n = count * width;
  h5::Handle mem_space = h5::check(H5Screate_simple(1, &n, nullptr), what);
  h5::check(H5Dread(ds, H5T_NATIVE_FLOAT, mem_space, file_space, H5P_DEFAULT, out.data()), what);
  return out;
}

}  // namespace

std::vector<float> DatasetFile::waveform(std::size_t i) const {
  CALMSPACE_CHECK(i < impl_->clips.size(), "clip ", i, " of ", impl_->clips.size());
  h5::quiet();
  const auto& c = impl_->clips[i];
  return read_rows(impl_->waveforms, static_cast<hsize_t>(c.offset), static_cast<hsize_t>(c.length),
                   1, "read waveform of clip " + std::to_string(i));
}

std::vector<FeatureSetInfo> DatasetFile::feature_sets() const {
  h5::quiet();
  std::vector<FeatureSetInfo> out;
  if (!h5::exists(impl_->file, "features")) return out;
  h5::Handle group = h5::group_open(impl_->file, "features");
  H5G_info_t info;
  h5::check(H5Gget_info(group, &info), "list /features");
  for (hsize_t k = 0; k < info.nlinks; ++k) {
    const ssize_t len =
        H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, k, nullptr, 0, H5P_DEFAULT);
    if (len < 0) throw Error("list /features: HDF5 call failed");
    std::string name(static_cast<std::size_t>(len) + 1, '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, k, name.data(), name.size(),
                       H5P_DEFAULT);
    name.resize(static_cast<std::size_t>(len));
    h5::Handle set = h5::group_open(group, name);
    FeatureSetInfo fi;
    fi.key = name;
    fi.options_yaml = h5::has_attr(set, "options") ? h5::read_attr_string(set, "options") : "";
    fi.feature_dim = h5::has_attr(set, "feature_dim") ? h5::read_attr_int(set, "feature_dim") : 0;
    if (h5::exists(set, "data")) {
      h5::Handle data = h5::dataset_open(set, "data");
      const auto dims = h5::dims_of(data);
      fi.total_frames = dims.empty() ? 0 : static_cast<std::int64_t>(dims[0]);
    }
    out.push_back(std::move(fi));
  }
  return out;
}

bool DatasetFile::has_feature_set(const std::string& key) const {
  h5::quiet();
  return !key.empty() && key.find('/') == std::string::npos &&
         h5::exists(impl_->file, "features/" + key);
}

FeatureSet DatasetFile::read_feature_set(const std::string& key) const {
  if (!has_feature_set(key)) throw InputError(impl_->path, "no feature set '" + key + "'");
  h5::Handle group = h5::group_open(impl_->file, "features/" + key);
  FeatureSet set;
  set.key = key;
  set.options_yaml = h5::read_attr_string(group, "options");
  set.feature_dim = h5::read_attr_int(group, "feature_dim");
  set.offsets = h5::read_array<std::int64_t>(group, "offset");
  set.frames = h5::read_array<std::int64_t>(group, "frames");
  set.data = h5::read_array<float>(group, "data");
  if (set.frames.size() != impl_->clips.size() || set.offsets.size() != set.frames.size() ||
      static_cast<std::int64_t>(set.data.size()) !=
          std::accumulate(set.frames.begin(), set.frames.end(), std::int64_t{0}) * set.feature_dim)
    throw InputError(impl_->path, "corrupt feature set '" + key + "': sizes disagree");
  return set;
}

std::vector<float> DatasetFile::clip_features(const std::string& key, std::size_t i) const {
  if (!has_feature_set(key)) throw InputError(impl_->path, "no feature set '" + key + "'");
  CALMSPACE_CHECK(i < impl_->clips.size(), "clip ", i, " of ", impl_->clips.size());
  h5::Handle group = h5::group_open(impl_->file, "features/" + key);
  const int dim = h5::read_attr_int(group, "feature_dim");
  h5::Handle offsets = h5::dataset_open(group, "offset");
  h5::Handle frames = h5::dataset_open(group, "frames");
  std::int64_t offset = 0, count = 0;
  const hsize_t one = 1, at = i;
  for (auto [ds, dst] : {std::pair{offsets.get(), &offset}, std::pair{frames.get(), &count}}) {
    h5::Handle space = h5::check(H5Dget_space(ds), "feature index");
    h5::check(H5Sselect_hyperslab(space, H5S_SELECT_SET, &at, nullptr, &one, nullptr), "index");
    h5::Handle mem = h5::check(H5Screate_simple(1, &one, nullptr), "index");
    h5::check(H5Dread(ds, H5T_NATIVE_INT64, mem, space, H5P_DEFAULT, dst), "read feature index");
  }
  h5::Handle data = h5::dataset_open(group, "data");
  return read_rows(data, static_cast<hsize_t>(offset), static_cast<hsize_t>(count),
                   static_cast<hsize_t>(dim), "read features of clip " + std::to_string(i));
}

void add_feature_set(const std::string& dataset_path, const FeatureSet& set) {
  std::int64_t num_clips = 0;
  int sample_rate = 0;
  {
    DatasetFile existing(dataset_path);  // validates the file
    num_clips = static_cast<std::int64_t>(existing.size());
    sample_rate = existing.sample_rate();
  }
  AtomicFile out(dataset_path);
  std::error_code ec;
  std::filesystem::copy_file(dataset_path, out.temp_path(),
                             std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) throw InputError(dataset_path, "cannot copy for update (" + ec.message() + ")");
  {
    h5::quiet();
    h5::Handle file(H5Fopen(out.temp_path().c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    if (!file.valid()) throw InputError(dataset_path, "cannot open the copy for writing");
    write_feature_group(file, set, num_clips, sample_rate);
    const herr_t status = H5Fclose(file.release());  // checked: a full disk shows here
    if (status < 0) throw InputError(dataset_path, "closing the HDF5 file failed (disk full?)");
  }
  out.commit();
}

}  // namespace calmspace
