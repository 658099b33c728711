// Target: a dataset file (core/dataset/dataset_file.h) with the structure the bytes describe,
// written with the HDF5 library as valid HDF5, then opened and read as training and `info` read it:
// every clip's waveform, every feature set and its per-clip rows. Any entry can be missing, of the
// wrong length or out of range (offsets near INT64_MAX, negative lengths, folds past the count).
#include <hdf5.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/base/hdf5_util.h"
#include "core/dataset/dataset_file.h"
#include "fuzz/byte_reader.h"
#include "fuzz/fuzz_targets.h"
#include "fuzz/scratch_dir.h"

namespace calmspace::fuzz {

namespace {

// Mostly small values, sometimes the extremes: byte 255 reads a whole int64, 254 a negative one.
std::int64_t extent(ByteReader& r) {
  const auto b = r.take<std::uint8_t>();
  if (b == 255) return r.take<std::int64_t>();
  if (b == 254) return -static_cast<std::int64_t>(r.take<std::uint16_t>());
  return b * 7;
}

std::vector<std::string> names(ByteReader& r, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(r.text(12));
  return out;
}

template <class T>
std::vector<T> values(ByteReader& r, std::size_t n) {
  std::vector<T> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<T>(r.take<std::int8_t>()));
  return out;
}

// Bit k of `omit` leaves out the k-th entry; bit 15 makes /waveforms two-dimensional.
void write_dataset(const std::string& path, ByteReader& r) {
  const auto omit = r.take<std::uint16_t>();
  auto keep = [&](int bit) { return !(omit & (1u << bit)); };
  h5::Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  if (!file.valid()) throw Error("fuzz: cannot create " + path);
  if (keep(0)) h5::write_attr_string(file, "format", r.small(0, 7) ? kDatasetFormat : r.text(20));
  if (keep(1))
    h5::write_attr_int(file, "schema_version", r.small(0, 3) ? 1 : r.take<std::int32_t>());
  if (keep(2))
    h5::write_attr_int(file, "sample_rate", r.small(0, 3) ? 16000 : r.take<std::int32_t>());
  const int folds = r.small(0, 3) ? r.small(1, 6) : r.take<std::int32_t>();
  if (keep(3)) h5::write_attr_int(file, "num_folds", folds);
  if (keep(4)) h5::write_attr_string(file, "corpus", r.text(8));

  const std::size_t labels = r.small(0, 8), speakers = r.small(0, 6), clips = r.small(0, 12);
  h5::Handle group = h5::group_create(file, "labels");
  if (keep(5)) h5::write_strings(group, "names", names(r, labels));
  group = h5::group_create(file, "speakers");
  if (keep(6)) h5::write_strings(group, "names", names(r, speakers));
  if (keep(7)) h5::write_array<std::int32_t>(group, "fold", values<std::int32_t>(r, speakers));
  if (keep(8)) {
    group = h5::group_create(file, "corpora");
    h5::write_strings(group, "names", names(r, r.small(0, 2)));
  }

  group = h5::group_create(file, "clips");
  auto rows = [&] { return r.small(0, 7) ? clips : static_cast<std::size_t>(r.small(0, 12)); };
  h5::write_array<std::int32_t>(group, "label", values<std::int32_t>(r, clips));
  if (keep(9)) h5::write_array<std::int32_t>(group, "speaker", values<std::int32_t>(r, rows()));
  h5::write_array<std::int32_t>(group, "fold", values<std::int32_t>(r, rows()));
  std::vector<std::int64_t> offsets, lengths;
  for (std::size_t i = 0; i < clips; ++i) {
    offsets.push_back(extent(r));
    lengths.push_back(extent(r));
  }
  if (keep(10)) h5::write_array<std::int64_t>(group, "offset", offsets);
  h5::write_array<std::int64_t>(group, "length", lengths);
  h5::write_strings(group, "utterance_id", names(r, rows()));
  h5::write_strings(group, "path", names(r, clips));
  if (keep(11)) h5::write_strings(group, "split", names(r, rows()));
  if (keep(12)) h5::write_array<std::int32_t>(group, "corpus", values<std::int32_t>(r, rows()));

  const auto samples = static_cast<std::size_t>(r.small(0, 255)) * 7;
  std::vector<float> waveform(samples, 0.1f);
  for (std::size_t i = 0; i < std::min<std::size_t>(samples, 8); ++i) waveform[i] = r.take<float>();
  if (omit & (1u << 15))
    h5::write_array<float>(file, "waveforms", waveform, {samples / 7, 7});
  else if (keep(13))
    h5::write_array<float>(file, "waveforms", waveform);

  if (keep(14)) return;  // most inputs have no feature set
  group = h5::group_create(file, "features");
  h5::Handle set = h5::group_create(group, r.small(0, 3) ? "logmel-0123456789abcdef" : r.text(24));
  h5::write_attr_string(set, "options", r.text(40));
  const int dim = r.small(0, 3) ? r.small(1, 4) : r.take<std::int32_t>();
  h5::write_attr_int(set, "feature_dim", dim);
  std::vector<std::int64_t> first_row, frames;
  const std::size_t indexed = rows();
  for (std::size_t i = 0; i < indexed; ++i) {
    first_row.push_back(extent(r));
    frames.push_back(extent(r));
  }
  h5::write_array<std::int64_t>(set, "offset", first_row);
  h5::write_array<std::int64_t>(set, "frames", frames);
  const auto cells = static_cast<std::size_t>(r.small(0, 64)) * 4;
  const std::vector<float> data(cells, 0.5f);
  if (r.small(0, 1))
    h5::write_array<float>(set, "data", data, {cells / 4, 4});
  else
    h5::write_array<float>(set, "data", data);
}

}  // namespace

void dataset_file(Input input) {
  h5::quiet();
  const std::string path = (scratch_dir() / "dataset.h5").string();
  ByteReader r(input);
  try {
    write_dataset(path, r);
  } catch (const Error&) {
    return;  // the bytes described something HDF5 cannot write (a name with '/', ...): no test
  }
  try {
    DatasetFile file(path);
    const auto& clips = file.clips();
    for (std::size_t i = 0; i < clips.size(); ++i) (void)file.waveform(i);
    for (const FeatureSetInfo& info : file.feature_sets()) {
      if (!file.has_feature_set(info.key)) continue;
      (void)file.read_feature_set(info.key);
      for (std::size_t i = 0; i < clips.size(); ++i) (void)file.clip_features(info.key, i);
    }
  } catch (const InputError&) {
  }
}

}  // namespace calmspace::fuzz
