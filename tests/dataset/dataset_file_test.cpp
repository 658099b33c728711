// The dataset file: writer -> reader round trip of every field, feature sets, bad files, and
// that h5py reads what we write.
#include "core/dataset/dataset_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <hdf5.h>
#include <unistd.h>

#include <filesystem>
#include <limits>

#include "core/base/error.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using testing::ScratchDir;

DatasetHeader small_header(bool split) {
  DatasetHeader h;
  h.corpus = "csv";
  h.root = "/data/my corpus";
  h.sample_rate = 16000;
  h.label_names = {"happy", "sad", "angry"};
  h.speaker_names = {"s1", "s2", "s3"};
  h.speaker_fold = {0, 1, 1};
  h.num_folds = 2;
  h.has_split = split;
  h.config_yaml = "audio:\n  sample_rate: 16000\n";
  return h;
}

struct Clip {
  ClipInfo info;
  std::vector<float> samples;
};

std::vector<Clip> small_clips() {
  std::vector<Clip> clips(3);
  clips[0].info = {2, 0, 0, "u0", "a/zero.wav", "train", 0, 0};
  clips[0].samples = testing::white_noise(1000, 0.2, 1);
  clips[1].info = {0, 2, 1, "u1 ünïcode", "b/one, two.flac", "test", 0, 0};
  clips[1].samples = testing::white_noise(70000, 0.2, 2);  // spans a waveform chunk
  clips[2].info = {1, 1, 1, "u2", "c/two.wav", "", 0, 0};
  clips[2].samples = testing::white_noise(5, 0.2, 3);
  return clips;
}

FeatureSet small_feature_set(const std::vector<int>& frames) {
  FeatureOptions o;
  o.n_mels = 4;
  FeatureSet set = make_feature_set(o, 16000);
  EXPECT_EQ(set.feature_dim, 4);
  std::uint64_t seed = 10;
  for (int t : frames) set.append(testing::white_noise(t * 4, 1.0, seed++), t);
  return set;
}

void write_small(const std::string& path, bool split, int compression = 0,
                 const FeatureSet* features = nullptr) {
  auto h = small_header(split);
  h.compression = compression;
  DatasetWriter w(path, h);
  for (const auto& c : small_clips()) w.append(c.info, c.samples);
  if (features) w.write_feature_set(*features);
  w.close();
}

TEST(DatasetFile, RoundTripsEveryField) {
  for (int compression : {0, 4}) {
    ScratchDir dir;
    const auto path = (dir / "d.h5").string();
    write_small(path, true, compression);
    const DatasetFile f(path);
    EXPECT_EQ(f.schema_version(), kDatasetSchemaVersion);
    const auto& h = f.header();
    EXPECT_EQ(h.corpus, "csv");
    EXPECT_EQ(h.root, "/data/my corpus");
    EXPECT_EQ(f.sample_rate(), 16000);
    EXPECT_THAT(f.label_names(), ElementsAre("happy", "sad", "angry"));
    EXPECT_THAT(f.speaker_names(), ElementsAre("s1", "s2", "s3"));
    EXPECT_THAT(h.speaker_fold, ElementsAre(0, 1, 1));
    EXPECT_EQ(h.num_folds, 2);
    EXPECT_TRUE(h.has_split);
    EXPECT_EQ(h.config_yaml, "audio:\n  sample_rate: 16000\n");
    const auto expected = small_clips();
    ASSERT_EQ(f.size(), 3u);
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      const auto& c = f.clips()[i];
      const auto& e = expected[i].info;
      EXPECT_EQ(c.label, e.label);
      EXPECT_EQ(c.speaker, e.speaker);
      EXPECT_EQ(c.fold, e.fold);
      EXPECT_EQ(c.utterance_id, e.utterance_id);
      EXPECT_EQ(c.path, e.path);
      EXPECT_EQ(c.split, e.split);
      EXPECT_EQ(c.offset, offset);
      EXPECT_EQ(c.length, static_cast<std::int64_t>(expected[i].samples.size()));
      offset += c.length;
      EXPECT_THAT(f.waveform(i), ElementsAreArray(expected[i].samples)) << "clip " << i;
    }
    EXPECT_TRUE(f.feature_sets().empty());
  }
}

TEST(DatasetFile, WithoutSplitThereIsNoSplitColumn) {
  ScratchDir dir;
  const auto path = (dir / "d.h5").string();
  write_small(path, false);
  const DatasetFile f(path);
  EXPECT_FALSE(f.header().has_split);
  for (const auto& c : f.clips()) EXPECT_EQ(c.split, "");
}

TEST(DatasetFile, FeatureSetRoundTripThroughWriterAndAddFeatureSet) {
  ScratchDir dir;
  const auto path = (dir / "d.h5").string();
  const FeatureSet logmel = small_feature_set({3, 0, 5});
  write_small(path, false, 0, &logmel);

  FeatureOptions mfcc_options;
  mfcc_options.kind = FeatureKind::Mfcc;
  mfcc_options.n_mfcc = 4;
  mfcc_options.n_mels = 8;
  FeatureSet mfcc = make_feature_set(mfcc_options, 16000);
  for (int i = 0; i < 3; ++i) mfcc.append(testing::white_noise(2 * 4, 1.0, 40 + i), 2);
  add_feature_set(path, mfcc);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp-" + std::to_string(::getpid())));

  const DatasetFile f(path);
  const auto sets = f.feature_sets();
  ASSERT_EQ(sets.size(), 2u);
  for (const FeatureSet* expected : std::vector<const FeatureSet*>{&logmel, &mfcc}) {
    ASSERT_TRUE(f.has_feature_set(expected->key)) << expected->key;
    const FeatureSet got = f.read_feature_set(expected->key);
    EXPECT_EQ(got.key, expected->key);
    EXPECT_EQ(got.options_yaml, expected->options_yaml);
    EXPECT_EQ(got.feature_dim, expected->feature_dim);
    EXPECT_EQ(got.offsets, expected->offsets);
    EXPECT_EQ(got.frames, expected->frames);
    EXPECT_EQ(got.data, expected->data);
    for (std::size_t i = 0; i < 3; ++i) {
      const auto rows = f.clip_features(expected->key, i);
      const auto begin = expected->data.begin() + expected->offsets[i] * expected->feature_dim;
      EXPECT_EQ(rows,
                std::vector<float>(begin, begin + expected->frames[i] * expected->feature_dim));
    }
  }
  EXPECT_THROW(f.read_feature_set("logmel-nothere"), InputError);
  // The waveforms survived the update.
  EXPECT_THAT(f.waveform(1), ElementsAreArray(small_clips()[1].samples));
}

TEST(DatasetFile, FeatureSetWithWrongClipCountIsRejected) {
  ScratchDir dir;
  const auto path = (dir / "d.h5").string();
  write_small(path, false);
  EXPECT_THROW(add_feature_set(path, small_feature_set({1, 2})), InputError);
  EXPECT_TRUE(DatasetFile(path).feature_sets().empty());
}

TEST(DatasetFile, FeatureSetKeyFollowsTheOptions) {
  FeatureOptions a, b;
  b.n_mels = 80;
  FeatureOptions c = a;
  c.num_threads = 7;  // speed only: same key
  EXPECT_EQ(feature_set_key(a), feature_set_key(c));
  EXPECT_NE(feature_set_key(a), feature_set_key(b));
  EXPECT_THAT(feature_set_key(a), ::testing::StartsWith("logmel-"));
  EXPECT_THAT(feature_options_yaml(b), HasSubstr("n_mels: 80"));
  EXPECT_THAT(feature_options_yaml(a), ::testing::Not(HasSubstr("num_threads")));
}

TEST(DatasetFile, BadFilesAreOneLineInputErrors) {
  ScratchDir dir;
  testing::write_file(dir / "text.h5", "this is not HDF5\n");
  {  // an HDF5 file of some other program
    const hid_t other =
        H5Fcreate((dir / "other.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(other, 0);
    H5Fclose(other);
  }
  for (const auto& [path, reason] : std::vector<std::pair<std::string, std::string>>{
           {(dir / "absent.h5").string(), "no such file"},
           {(dir / "text.h5").string(), "not an HDF5 file"},
           {(dir / "other.h5").string(), "not a CalmSpace dataset"},
           {dir.path().string(), "folder"}}) {
    try {
      DatasetFile f(path);
      FAIL() << path;
    } catch (const InputError& e) {
      EXPECT_EQ(e.subject(), path);
      EXPECT_THAT(e.reason(), HasSubstr(reason));
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
}

// Sets element `index` of the integer dataset `name` of an existing file to `value`.
template <typename T>
void patch(const std::filesystem::path& path, const char* name, std::size_t index, T value) {
  const hid_t type = sizeof(T) == 8 ? H5T_NATIVE_INT64 : H5T_NATIVE_INT32;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
  ASSERT_GE(ds, 0);
  const hid_t space = H5Dget_space(ds);
  std::vector<T> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  ASSERT_GE(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  values.at(index) = value;
  ASSERT_GE(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  H5Sclose(space);
  H5Dclose(ds);
  H5Fclose(file);
}

// Issue 20: values that would fail only after an epoch (an offset whose sum with the length
// overflows, an empty clip, a fold the file does not have) are refused when the file is opened.
TEST(DatasetFile, ImpossibleClipEntriesAreRefusedOnOpen) {
  ScratchDir dir;
  const auto fresh = [&](const char* name) {
    const auto path = dir / name;
    write_small(path.string(), false);
    return path;
  };
  const auto reason = [](const std::filesystem::path& path) -> std::string {
    try {
      DatasetFile f(path.string());
    } catch (const InputError& e) {
      return e.reason();
    }
    return "opened";
  };
  auto p = fresh("offset.h5");
  patch<std::int64_t>(p, "clips/offset", 1, std::numeric_limits<std::int64_t>::max() - 2);
  EXPECT_EQ(reason(p), "corrupt CalmSpace dataset file: clip 1 lies outside /waveforms");
  p = fresh("length.h5");
  patch<std::int64_t>(p, "clips/length", 2, 0);
  EXPECT_EQ(reason(p), "corrupt CalmSpace dataset file: clip 2 has no samples (length 0)");
  p = fresh("clip_fold.h5");
  patch<std::int32_t>(p, "clips/fold", 0, 99);
  EXPECT_EQ(reason(p), "corrupt CalmSpace dataset file: clip 0 has fold 99 (the file has 2 folds)");
  p = fresh("speaker_fold.h5");
  patch<std::int32_t>(p, "speakers/fold", 1, -1);
  EXPECT_EQ(reason(p),
            "corrupt CalmSpace dataset file: speaker 1 has fold -1 (the file has 2 folds)");
  EXPECT_EQ(reason(fresh("fine.h5")), "opened");
}

// python3 with h5py (Debian's python3-h5py lives under /usr/bin/python3).
std::string python_with_h5py() {
  for (const char* py : {"/usr/bin/python3", "python3"})
    if (testing::run_command(std::string(py) + " -c 'import h5py'", nullptr) == 0) return py;
  return "";
}

TEST(DatasetFile, ReadableFromH5py) {
  const std::string py = python_with_h5py();
  if (py.empty()) GTEST_SKIP() << "no python3 with h5py";
  ScratchDir dir;
  const auto path = (dir / "d.h5").string();
  const FeatureSet logmel = small_feature_set({3, 0, 5});
  write_small(path, true, 4, &logmel);
  const auto script = dir / "read.py";
  testing::write_file(script,
                      "import sys, h5py, numpy as np\n"
                      "f = h5py.File(sys.argv[1], 'r')\n"
                      "print('format', f.attrs['format'])\n"
                      "print('schema', int(f.attrs['schema_version']))\n"
                      "print('rate', int(f.attrs['sample_rate']))\n"
                      "print('labels', ' '.join(f['labels/names'].asstr()[:]))\n"
                      "print('speakers', ' '.join(f['speakers/names'].asstr()[:]))\n"
                      "c = f['clips']\n"
                      "print('label', [int(x) for x in c['label'][:]])\n"
                      "print('speaker', [int(x) for x in c['speaker'][:]])\n"
                      "print('fold', [int(x) for x in c['fold'][:]])\n"
                      "print('length', [int(x) for x in c['length'][:]])\n"
                      "print('utt', '|'.join(c['utterance_id'].asstr()[:]))\n"
                      "print('path', '|'.join(c['path'].asstr()[:]))\n"
                      "print('split', '|'.join(c['split'].asstr()[:]))\n"
                      "o, n = c['offset'][1], c['length'][1]\n"
                      "w = f['waveforms'][o:o + n]\n"
                      "print('w1 %.6f %.6f' % (float(w[0]), float(w[-1])))\n"
                      "k = list(f['features'].keys())[0]\n"
                      "g = f['features'][k]\n"
                      "print('feat', k, g['data'].shape, [int(x) for x in g['frames'][:]], "
                      "int(g.attrs['feature_dim']))\n"
                      "print('opt', 'n_mels: 4' in g.attrs['options'])\n");
  std::string out;
  ASSERT_EQ(testing::run_command(py + " " + script.string() + " " + path, &out), 0) << out;
  const auto clips = small_clips();
  char w1[64];
  std::snprintf(w1, sizeof w1, "w1 %.6f %.6f", clips[1].samples.front(), clips[1].samples.back());
  EXPECT_THAT(out, HasSubstr("format calmspace-dataset\n"));
  EXPECT_THAT(out, HasSubstr("schema 1\n"));
  EXPECT_THAT(out, HasSubstr("rate 16000\n"));
  EXPECT_THAT(out, HasSubstr("labels happy sad angry\n"));
  EXPECT_THAT(out, HasSubstr("speakers s1 s2 s3\n"));
  EXPECT_THAT(out, HasSubstr("label [2, 0, 1]\n"));
  EXPECT_THAT(out, HasSubstr("speaker [0, 2, 1]\n"));
  EXPECT_THAT(out, HasSubstr("fold [0, 1, 1]\n"));
  EXPECT_THAT(out, HasSubstr("length [1000, 70000, 5]\n"));
  EXPECT_THAT(out, HasSubstr("utt u0|u1 ünïcode|u2\n"));
  EXPECT_THAT(out, HasSubstr("path a/zero.wav|b/one, two.flac|c/two.wav\n"));
  EXPECT_THAT(out, HasSubstr("split train|test|\n"));
  EXPECT_THAT(out, HasSubstr(std::string(w1) + "\n"));
  EXPECT_THAT(out, HasSubstr("feat " + logmel.key + " (8, 4) [3, 0, 5] 4\n"));
  EXPECT_THAT(out, HasSubstr("opt True\n"));
}

}  // namespace
}  // namespace calmspace
