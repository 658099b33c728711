// prepare: fake corpora end to end through the library: folds, skipped and reported files,
// nothing left behind on failure, deterministic output whatever the thread count.
#include "core/dataset/prepare.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/base/error.h"
#include "core/dataset/dataset_file.h"
#include "core/features/feature_extractor.h"
#include "dataset/sound_fixtures.h"
#include "datasets/adapters.h"

namespace calmspace {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ScratchDir;
namespace fs = std::filesystem;

Config config_with(std::vector<std::string> overrides) {
  return resolve_config("", overrides);
}

// No file of the output's name, temporary or final, is left in `dir` except `keep`.
std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Prepare, RavdessWavTreeBecomesADatasetWithFolds) {
  ScratchDir dir;
  const auto root = dir / "ravdess";
  testing::make_ravdess_tree(root, {1, 2, 3, 4}, ".wav", 48000, 0.1);
  auto config = config_with({"data.num_folds=2", "data.num_threads=2"});
  std::vector<std::string> lines;
  const auto out = (dir / "out.h5").string();
  const auto report = prepare_dataset(list_ravdess(root.string()), config, out,
                                      [&](const std::string& l) { lines.push_back(l); });
  EXPECT_TRUE(lines.empty());
  EXPECT_EQ(report.clips_written, 32);
  EXPECT_NEAR(report.total_audio_s, 3.2, 1e-3);
  const DatasetFile f(out);
  EXPECT_EQ(f.sample_rate(), 16000);
  EXPECT_EQ(f.header().corpus, "ravdess");
  EXPECT_THAT(f.speaker_names(), ElementsAre("01", "02", "03", "04"));
  EXPECT_THAT(f.header().speaker_fold, ElementsAre(0, 0, 1, 1));
  ASSERT_EQ(f.size(), 32u);
  for (const auto& c : f.clips()) {
    EXPECT_EQ(c.fold, f.header().speaker_fold[c.speaker]);
    EXPECT_EQ(c.length, 1600);  // 0.1 s at 48 kHz resampled to 16 kHz
  }
  EXPECT_EQ(f.clips()[0].path, "Actor_01/03-01-01-01-01-01-01.wav");
  EXPECT_EQ(f.clips()[0].utterance_id, "03-01-01-01-01-01-01");
  EXPECT_EQ(f.label_names()[f.clips()[9].label], "calm");  // Actor_02, emotion 02
  EXPECT_EQ(f.speaker_names()[f.clips()[9].speaker], "02");
  // Real audio, not silence: a 200 Hz tone of amplitude 0.3 after resampling.
  const auto w = f.waveform(0);
  double energy = 0;
  for (float v : w) energy += double(v) * v;
  EXPECT_NEAR(std::sqrt(energy / w.size()), 0.3 / std::sqrt(2.0), 0.01);
}

TEST(Prepare, CorruptFileIsSkippedAndReported) {
  ScratchDir dir;
  const auto root = dir / "tess";
  testing::write_sound(root / "OAF_angry/OAF_back_angry.wav", testing::tone(0, 0.05, 24414), 24414);
  testing::write_sound(root / "YAF_angry/YAF_back_angry.wav", testing::tone(1, 0.05, 24414), 24414);
  testing::put_file(root / "OAF_sad/OAF_bar_sad.wav", "RIFF....WAVEjunk that is not audio");
  auto config = config_with({"data.num_folds=2"});
  std::vector<std::string> lines;
  const auto out = (dir / "tess.h5").string();
  const auto report = prepare_dataset(list_tess(root.string()), config, out,
                                      [&](const std::string& l) { lines.push_back(l); });
  EXPECT_EQ(report.files_listed, 3);
  EXPECT_EQ(report.clips_written, 2);
  ASSERT_EQ(report.skipped_by_decode.size(), 1u);
  EXPECT_THAT(report.skipped_by_decode[0].path, HasSubstr("OAF_bar_sad.wav"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], AllOf(HasSubstr("skipped "), HasSubstr("OAF_bar_sad.wav: ")));
  EXPECT_THAT(report.to_json(),
              AllOf(HasSubstr("\"skipped_count\": 1"), HasSubstr("OAF_bar_sad.wav")));
  const DatasetFile f(out);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f.clips()[0].utterance_id, "OAF_back_angry");
  EXPECT_EQ(f.clips()[1].utterance_id, "YAF_back_angry");
}

TEST(Prepare, NothingDecodesIsAnErrorAndLeavesNoOutput) {
  ScratchDir dir;
  const auto root = dir / "ravdess";
  testing::put_file(root / "Actor_01/03-01-01-01-01-01-01.wav", "not audio");
  testing::put_file(root / "Actor_01/03-01-02-01-01-01-01.wav", "");
  auto config = config_with({"data.folds=[[\"01\"],[\"02\"]]"});
  const auto out = (dir / "out" / "x.h5");
  fs::create_directories(out.parent_path());
  try {
    prepare_dataset(list_ravdess(root.string()), config, out.string());
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("none of the 2 clips could be decoded"),
                                HasSubstr("03-01-01-01-01-01-01.wav")));
  }
  EXPECT_TRUE(files_in(out.parent_path()).empty());
}

TEST(Prepare, FoldErrorStopsBeforeWritingAnything) {
  ScratchDir dir;
  const auto root = dir / "ravdess";
  testing::make_ravdess_tree(root, {1, 2, 3}, ".flac", 16000, 0.05);
  auto config = config_with({"data.folds=[[\"01\"],[\"02\"]]"});
  const auto out = dir / "out" / "x.h5";
  fs::create_directories(out.parent_path());
  try {
    prepare_dataset(list_ravdess(root.string()), config, out.string());
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("data.folds"), HasSubstr("'03'")));
  }
  EXPECT_TRUE(files_in(out.parent_path()).empty());
}

TEST(Prepare, FoldSpeakerWithoutClipsIsAWarningLine) {
  ScratchDir dir;
  const auto root = dir / "ravdess";
  testing::make_ravdess_tree(root, {1, 2}, ".flac", 16000, 0.05);
  auto config = config_with({"data.folds=[[\"01\", \"05\"],[\"02\"]]"});
  std::vector<std::string> lines;
  const auto report = prepare_dataset(list_ravdess(root.string()), config, (dir / "x.h5").string(),
                                      [&](const std::string& l) { lines.push_back(l); });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], AllOf(HasSubstr("warning: data.folds"), HasSubstr("'05'")));
  EXPECT_EQ(report.warnings.size(), 1u);
}

TEST(Prepare, OutputIsTheSameWhateverTheThreadCount) {
  ScratchDir dir;
  const auto root = dir / "ravdess";
  testing::make_ravdess_tree(root, {1, 2, 3}, ".wav", 48000, 0.05);
  std::vector<DatasetFile> files;
  for (const char* threads : {"data.num_threads=1", "data.num_threads=3"}) {
    auto config = config_with({threads, "data.num_folds=3"});
    const auto out = (dir / (std::string(threads).substr(17) + ".h5")).string();
    prepare_dataset(list_ravdess(root.string()), config, out);
    files.emplace_back(out);
  }
  ASSERT_EQ(files[0].size(), files[1].size());
  for (std::size_t i = 0; i < files[0].size(); ++i) {
    EXPECT_EQ(files[0].clips()[i].path, files[1].clips()[i].path);
    EXPECT_EQ(files[0].waveform(i), files[1].waveform(i));
  }
}

TEST(Prepare, CsvSplitIsStored) {
  ScratchDir dir;
  testing::write_sound(dir / "a.wav", testing::tone(0, 0.05, 16000), 16000);
  testing::write_sound(dir / "b.wav", testing::tone(1, 0.05, 16000), 16000);
  testing::put_file(dir / "m.csv", "path,label,speaker,split\na.wav,x,s1,train\nb.wav,y,s2,test\n");
  auto config = config_with({"data.num_folds=2"});
  prepare_dataset(list_csv_manifest((dir / "m.csv").string()), config, (dir / "m.h5").string());
  const DatasetFile f((dir / "m.h5").string());
  ASSERT_TRUE(f.header().has_split);
  EXPECT_EQ(f.clips()[0].split, "train");
  EXPECT_EQ(f.clips()[1].split, "test");
  EXPECT_EQ(f.clips()[1].path, "b.wav");
}

TEST(Prepare, ALabelSetMapsTheCorpusLabelsByNameAndLeavesTheRestOut) {
  ScratchDir dir;
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"a.wav", "ps"}, {"b.wav", "Angry"}, {"c.wav", "boredom"}, {"d.wav", "fear"}};
  std::string manifest = "path,label,speaker,split\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    testing::write_sound(dir / rows[i].first, testing::tone(int(i), 0.05, 16000), 16000);
    manifest += rows[i].first + "," + rows[i].second + ",me," + (i == 3 ? "test" : "train") + "\n";
  }
  testing::put_file(dir / "m.csv", manifest);
  // The model's eight labels, in its order; "boredom" is none of them. One speaker with a split
  // column (a person's own clips): one fold, the split column decides.
  auto config =
      config_with({"data.labels=[neutral,calm,happy,sad,angry,fearful,disgust,surprised]"});
  std::vector<std::string> lines;
  const auto report =
      prepare_dataset(list_csv_manifest((dir / "m.csv").string()), config, (dir / "m.h5").string(),
                      [&](const std::string& l) { lines.push_back(l); });
  EXPECT_EQ(report.clips_written, 3);
  EXPECT_EQ(report.labels_left_out.at("boredom"), 1);
  EXPECT_THAT(lines, ::testing::Contains(HasSubstr("left out 1 clips labelled 'boredom'")));
  EXPECT_THAT(report.to_json(), HasSubstr("\"labels_left_out\""));
  const DatasetFile f((dir / "m.h5").string());
  EXPECT_THAT(f.label_names(), ElementsAre("neutral", "calm", "happy", "sad", "angry", "fearful",
                                           "disgust", "surprised"));
  EXPECT_EQ(f.header().num_folds, 1);
  ASSERT_EQ(f.size(), 3u);  // path order: a (ps), b (Angry), d (fear)
  EXPECT_EQ(f.label_names()[f.clips()[0].label], "surprised");
  EXPECT_EQ(f.label_names()[f.clips()[1].label], "angry");
  EXPECT_EQ(f.label_names()[f.clips()[2].label], "fearful");

  // No clip in the set: an error naming data.labels, and nothing written.
  auto none = config_with({"data.labels=[calm]"});
  try {
    prepare_dataset(list_csv_manifest((dir / "m.csv").string()), none, (dir / "n.h5").string());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "data.labels");
    EXPECT_THAT(e.reason(), HasSubstr("boredom"));
  }
  EXPECT_FALSE(fs::exists(dir / "n.h5"));
  // One speaker without a split column still needs two speakers for its folds.
  testing::put_file(dir / "plain.csv", "path,label,speaker\na.wav,ps,me\nb.wav,angry,me\n");
  EXPECT_THROW(prepare_dataset(list_csv_manifest((dir / "plain.csv").string()), config,
                               (dir / "p.h5").string()),
               InputError);
}

}  // namespace
}  // namespace calmspace

namespace calmspace {
namespace {

TEST(Prepare, StoreFeaturesWritesTheSetTheExtractorComputes) {
  testing::ScratchDir dir;
  const auto root = dir / "ravdess";
  testing::make_ravdess_tree(root, {1, 2}, ".flac", 16000, 0.3);
  auto config = resolve_config("", {"data.num_folds=2", "data.store_features=true",
                                    "features.n_mels=32", "data.num_threads=2"});
  const auto out = (dir / "out.h5").string();
  prepare_dataset(list_ravdess(root.string()), config, out);
  const DatasetFile f(out);
  const std::string key = feature_set_key(config.features);
  ASSERT_TRUE(f.has_feature_set(key));
  auto extractor = make_cpu_feature_extractor(config.features, 16000);
  ASSERT_EQ(f.size(), 16u);  // 8 clips for each of 2 actors
  for (std::size_t i = 0; i < f.size(); ++i) {
    const FeatureMatrix expected = extractor->extract(f.waveform(i));
    ASSERT_EQ(expected.frames, 31);  // 1 + 4800 / 160 centred frames
    EXPECT_EQ(f.clip_features(key, i), expected.data) << "clip " << i;  // bit-identical
  }
}

}  // namespace
}  // namespace calmspace
