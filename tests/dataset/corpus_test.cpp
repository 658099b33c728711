// Corpus adapters on fake trees (RAVDESS 48 kHz WAV layout, TESS with its odd file name, CSV
// manifests with quotes, splits and bad rows) and, when present, the real corpora.
#include "core/dataset/corpus.h"
#include "datasets/adapters.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/base/error.h"
#include "dataset/sound_fixtures.h"

namespace calmspace {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ScratchDir;

std::map<std::string, int> label_counts(const CorpusListing& l) {
  std::map<std::string, int> out;
  for (const auto& c : l.clips) out[c.label]++;
  return out;
}

const SkippedFile* find_skipped(const CorpusListing& l, const std::string& name) {
  for (const auto& s : l.skipped)
    if (s.path.find(name) != std::string::npos) return &s;
  return nullptr;
}

TEST(Ravdess, ListsWavLayoutWithLabelsSpeakersAndIds) {
  ScratchDir dir;
  testing::make_ravdess_tree(dir.path(), {1, 2}, ".wav");
  const auto l = list_ravdess(dir.path().string());
  EXPECT_EQ(l.corpus, "ravdess");
  EXPECT_THAT(l.label_names, ElementsAre("neutral", "calm", "happy", "sad", "angry", "fearful",
                                         "disgust", "surprised"));
  ASSERT_EQ(l.clips.size(), 16u);
  EXPECT_TRUE(l.skipped.empty());
  const auto& first = l.clips[0];
  EXPECT_EQ(first.label, "neutral");
  EXPECT_EQ(first.speaker, "01");
  EXPECT_EQ(first.utterance_id, "03-01-01-01-01-01-01");
  EXPECT_EQ(first.path, (dir.path() / "Actor_01/03-01-01-01-01-01-01.wav").string());
  EXPECT_EQ(l.clips[15].label, "surprised");
  EXPECT_EQ(l.clips[15].speaker, "02");
  for (std::size_t i = 1; i < l.clips.size(); ++i) EXPECT_LT(l.clips[i - 1].path, l.clips[i].path);
}

TEST(Ravdess, ReportsAndSkipsFilesThatDoNotFollowTheNaming) {
  ScratchDir dir;
  testing::make_ravdess_tree(dir.path(), {3}, ".flac", 16000);
  const auto a = dir.path() / "Actor_03";
  testing::put_file(a / "README.txt", "hello");
  testing::write_sound(a / "03-01-09-01-01-01-03.wav", testing::tone(1, 0.05, 16000), 16000);
  testing::write_sound(a / "03-02-01-01-01-01-03.wav", testing::tone(1, 0.05, 16000), 16000);
  testing::write_sound(a / "03-01-01-01-01-01-04.wav", testing::tone(1, 0.05, 16000), 16000);
  testing::write_sound(a / "03-01-01-01-01.wav", testing::tone(1, 0.05, 16000), 16000);
  testing::write_sound(a / "03-01-01-01-01-01-03.wav", testing::tone(1, 0.05, 16000), 16000);
  testing::put_file(a / ".DS_Store", "x");
  const auto l = list_ravdess(dir.path().string());
  EXPECT_EQ(l.clips.size(), 8u);
  ASSERT_EQ(l.skipped.size(), 6u);
  ASSERT_TRUE(find_skipped(l, "README.txt"));
  EXPECT_THAT(find_skipped(l, "-09-")->reason, HasSubstr("emotion code 09"));
  EXPECT_THAT(find_skipped(l, "03-02-")->reason, HasSubstr("vocal channel"));
  EXPECT_THAT(find_skipped(l, "01-01-04.wav")->reason, HasSubstr("disagrees with folder"));
  EXPECT_THAT(find_skipped(l, "03-01-01-01-01.wav")->reason, HasSubstr("seven fields"));
  // The same recording as .flac and .wav: the second by path is a duplicate.
  EXPECT_THAT(find_skipped(l, "03-01-01-01-01-01-03.wav")->reason,
              HasSubstr("duplicate utterance id"));
}

TEST(Ravdess, MissingRootIsAnInputError) {
  EXPECT_THROW(list_ravdess("/nonexistent/ravdess"), InputError);
}

TEST(Tess, SpeakerFromFolderIncludingTheOddFileName) {
  ScratchDir dir;
  const auto root = dir.path();
  testing::write_sound(root / "OAF_angry/OAF_back_angry.wav", testing::tone(0, 0.05, 24414), 24414);
  testing::write_sound(root / "OAF_neutral/OA_bite_neutral.wav", testing::tone(1, 0.05, 24414),
                       24414);
  testing::write_sound(root / "YAF_pleasant_surprise/YAF_bath_ps.flac",
                       testing::tone(2, 0.05, 16000), 16000);
  testing::write_sound(root / "YAF_sad/YAF_wife_sad.flac", testing::tone(3, 0.05, 16000), 16000);
  testing::write_sound(root / "YAF_sad/YAF_wife_angry.flac", testing::tone(3, 0.05, 16000),
                       16000);  // emotion disagrees with folder
  testing::write_sound(root / "XYZ_sad/XYZ_wife_sad.flac", testing::tone(3, 0.05, 16000), 16000);
  testing::write_sound(root / "OAF_sad/OAF_sad.flac", testing::tone(3, 0.05, 16000), 16000);
  const auto l = list_tess(root.string());
  EXPECT_THAT(l.label_names, ElementsAre("angry", "disgust", "fear", "happy", "neutral",
                                         "pleasant_surprise", "sad"));
  ASSERT_EQ(l.clips.size(), 4u);
  std::map<std::string, ClipRecord> by_id;
  for (const auto& c : l.clips) by_id[c.utterance_id] = c;
  ASSERT_TRUE(by_id.count("OAF_back_angry"));
  EXPECT_EQ(by_id["OAF_back_angry"].speaker, "OAF");
  EXPECT_EQ(by_id["OAF_back_angry"].label, "angry");
  ASSERT_TRUE(by_id.count("OAF_bite_neutral"));
  EXPECT_EQ(by_id["OAF_bite_neutral"].speaker, "OAF");
  EXPECT_EQ(by_id["OAF_bite_neutral"].label, "neutral");
  EXPECT_THAT(by_id["OAF_bite_neutral"].path, HasSubstr("OA_bite_neutral.wav"));
  EXPECT_EQ(by_id["YAF_bath_ps"].label, "pleasant_surprise");
  EXPECT_EQ(by_id["YAF_bath_ps"].speaker, "YAF");
  EXPECT_EQ(by_id["YAF_wife_sad"].label, "sad");
  ASSERT_EQ(l.skipped.size(), 3u);
  EXPECT_THAT(find_skipped(l, "YAF_wife_angry")->reason, HasSubstr("disagrees with folder"));
  EXPECT_THAT(find_skipped(l, "XYZ_sad")->reason, HasSubstr("OAF_<emotion>"));
  EXPECT_THAT(find_skipped(l, "OAF_sad.flac")->reason, HasSubstr("not a TESS name"));
}

TEST(Csv, SplitsQuotedFields) {
  EXPECT_THAT(split_csv_line("a,b,c"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(split_csv_line("\"a,b\",\"say \"\"hi\"\"\",,"),
              ElementsAre("a,b", "say \"hi\"", "", ""));
  EXPECT_THROW(split_csv_line("\"open,b"), InputError);
}

TEST(Csv, ManifestWithQuotesSplitAndBadRows) {
  ScratchDir dir;
  const auto root = dir.path();
  testing::write_sound(root / "audio/one.wav", testing::tone(0, 0.05, 16000), 16000);
  testing::write_sound(root / "audio/two, with comma.flac", testing::tone(1, 0.05, 16000), 16000);
  testing::write_sound(root / "audio/three.wav", testing::tone(2, 0.05, 16000), 16000);
  testing::put_file(root / "manifest.csv",
                    "\xEF\xBB\xBFpath,label,speaker,split\r\n"
                    "audio/one.wav,happy,spk1,train\r\n"
                    "\"audio/two, with comma.flac\",\"sad\",spk2,test\r\n"
                    "audio/three.wav,happy,spk1\r\n"        // too few fields
                    "audio/missing.wav,sad,spk2,train\r\n"  // no such file
                    "audio/one.wav,sad,spk3,train\r\n"      // duplicate path
                    ",sad,spk3,train\r\n"                   // empty path
                    "\r\n"                                  // blank line: not a record
                    "audio/three.wav,angry,spk3,valid\r\n");
  const auto l = list_csv_manifest((root / "manifest.csv").string());
  EXPECT_EQ(l.corpus, "csv");
  EXPECT_TRUE(l.has_split);
  EXPECT_EQ(l.root, root.string());
  EXPECT_THAT(l.label_names, ElementsAre("happy", "sad", "angry"));  // first appearance
  ASSERT_EQ(l.clips.size(), 3u);
  EXPECT_EQ(l.clips[0].utterance_id, "audio/one");
  EXPECT_EQ(l.clips[0].split, "train");
  EXPECT_EQ(l.clips[2].path, (root / "audio/two, with comma.flac").string());
  EXPECT_EQ(l.clips[2].label, "sad");
  EXPECT_EQ(l.clips[2].speaker, "spk2");
  EXPECT_EQ(l.clips[2].split, "test");
  EXPECT_EQ(l.clips[1].label, "angry");
  ASSERT_EQ(l.skipped.size(), 4u);
  EXPECT_THAT(l.skipped[0].path, HasSubstr("manifest.csv:4"));
  EXPECT_THAT(l.skipped[0].reason, HasSubstr("expected 4 fields, found 3"));
  EXPECT_THAT(l.skipped[1].reason, HasSubstr("no such file"));
  EXPECT_THAT(l.skipped[2].reason, HasSubstr("duplicate path"));
  EXPECT_THAT(l.skipped[3].reason, HasSubstr("empty path"));
}

TEST(Csv, ColumnsInAnyOrderWithoutSplit) {
  ScratchDir dir;
  testing::write_sound(dir / "x.wav", testing::tone(0, 0.05, 16000), 16000);
  testing::put_file(dir / "m.csv", "Speaker,Path,Label\nS1,x.wav,calm\n");
  const auto l = list_csv_manifest((dir / "m.csv").string());
  EXPECT_FALSE(l.has_split);
  ASSERT_EQ(l.clips.size(), 1u);
  EXPECT_EQ(l.clips[0].speaker, "S1");
  EXPECT_EQ(l.clips[0].label, "calm");
  EXPECT_EQ(l.clips[0].split, "");
}

TEST(Csv, BadHeaderOrFileIsAnInputError) {
  ScratchDir dir;
  testing::put_file(dir / "bad.csv", "path,emotion,speaker\nx.wav,calm,S1\n");
  try {
    list_csv_manifest((dir / "bad.csv").string());
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown column 'emotion'"));
  }
  testing::put_file(dir / "nolabel.csv", "path,speaker\n");
  EXPECT_THROW(list_csv_manifest((dir / "nolabel.csv").string()), InputError);
  testing::put_file(dir / "empty.csv", "");
  EXPECT_THROW(list_csv_manifest((dir / "empty.csv").string()), InputError);
  EXPECT_THROW(list_csv_manifest((dir / "absent.csv").string()), InputError);
  EXPECT_THROW(list_csv_manifest(dir.path().string()), InputError);
}

TEST(Corpus, DispatchByKind) {
  EXPECT_THROW(list_corpus("iemocap", "/tmp"), InputError);
  EXPECT_THAT(corpus_kinds(), ElementsAre("ravdess", "tess", "csv"));
}

TEST(RealCorpus, RavdessHas1440ClipsOf24Actors) {
  if (!testing::have_corpus("ravdess"))
    GTEST_SKIP() << "no RAVDESS under " << testing::corpora_dir();
  const auto l = list_ravdess((testing::corpora_dir() / "ravdess").string());
  EXPECT_EQ(l.clips.size(), 1440u);
  EXPECT_TRUE(l.skipped.empty());
  const auto counts = label_counts(l);
  for (const auto& name : ravdess_label_names())
    EXPECT_EQ(counts.at(name), name == "neutral" ? 96 : 192) << name;
  std::set<std::string> speakers;
  for (const auto& c : l.clips) speakers.insert(c.speaker);
  EXPECT_EQ(speakers.size(), 24u);
  EXPECT_EQ(*speakers.begin(), "01");
  EXPECT_EQ(*speakers.rbegin(), "24");
}

TEST(RealCorpus, TessHas2800ClipsOfTwoSpeakers) {
  if (!testing::have_corpus("tess")) GTEST_SKIP() << "no TESS under " << testing::corpora_dir();
  const auto l = list_tess((testing::corpora_dir() / "tess").string());
  EXPECT_EQ(l.clips.size(), 2800u);
  EXPECT_TRUE(l.skipped.empty());
  for (const auto& [label, n] : label_counts(l)) EXPECT_EQ(n, 400) << label;
  std::map<std::string, int> speakers;
  for (const auto& c : l.clips) speakers[c.speaker]++;
  EXPECT_EQ(speakers["OAF"], 1400);
  EXPECT_EQ(speakers["YAF"], 1400);
}

}  // namespace
}  // namespace calmspace
