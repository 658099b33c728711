// Speaker-independent splits from folds or a CSV split column.
#include "core/dataset/splits.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "core/base/error.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;

// 6 speakers in 3 folds (2 each), 4 clips per speaker.
struct Fixture {
  DatasetHeader header;
  std::vector<ClipInfo> clips;
  Fixture() {
    header.speaker_names = {"a", "b", "c", "d", "e", "f"};
    header.speaker_fold = {0, 0, 1, 1, 2, 2};
    header.num_folds = 3;
    header.label_names = {"x", "y"};
    for (int s = 0; s < 6; ++s)
      for (int k = 0; k < 4; ++k) {
        ClipInfo c;
        c.label = k % 2;
        c.speaker = s;
        c.fold = header.speaker_fold[s];
        c.utterance_id = std::string(1, char('a' + s)) + std::to_string(k);
        clips.push_back(c);
      }
  }
};

std::set<int> speakers(const Fixture& f, const std::vector<std::size_t>& idx) {
  std::set<int> out;
  for (auto i : idx) out.insert(f.clips[i].speaker);
  return out;
}

TEST(Splits, FoldsGiveTestValidAndTrainWithoutSpeakerOverlap) {
  Fixture f;
  for (int test = 0; test < 3; ++test) {
    TrainOptions o;
    o.test_fold = test;
    const Splits s = make_splits(f.header, f.clips, o, "d.h5");
    EXPECT_EQ(s.source, "folds");
    EXPECT_EQ(s.test_fold, test);
    EXPECT_EQ(s.valid_fold, (test + 1) % 3);
    EXPECT_EQ(s.train.size() + s.valid.size() + s.test.size(), f.clips.size());
    for (auto i : s.test) EXPECT_EQ(f.clips[i].fold, test);
    for (auto i : s.valid) EXPECT_EQ(f.clips[i].fold, (test + 1) % 3);
    for (auto i : s.train) EXPECT_EQ(f.clips[i].fold, (test + 2) % 3);
    const auto tr = speakers(f, s.train), va = speakers(f, s.valid), te = speakers(f, s.test);
    for (int sp : tr) EXPECT_FALSE(va.count(sp) || te.count(sp));
    for (int sp : va) EXPECT_FALSE(te.count(sp));
    EXPECT_TRUE(std::is_sorted(s.train.begin(), s.train.end()));
  }
  TrainOptions o;
  o.test_fold = 2;
  o.valid_fold = 0;
  const Splits s = make_splits(f.header, f.clips, o, "d.h5");
  EXPECT_EQ(s.valid_fold, 0);
  EXPECT_EQ(speakers(f, s.train), (std::set<int>{2, 3}));
}

TEST(Splits, WithoutValidationEveryFoldButTheTestFoldTrains) {
  Fixture f;
  TrainOptions o;
  o.test_fold = 1;
  o.validation = false;
  const Splits s = make_splits(f.header, f.clips, o, "d.h5");
  EXPECT_EQ(s.valid_fold, -1);
  EXPECT_TRUE(s.valid.empty());
  EXPECT_EQ(speakers(f, s.test), (std::set<int>{2, 3}));
  EXPECT_EQ(speakers(f, s.train), (std::set<int>{0, 1, 4, 5}));
  EXPECT_EQ(s.train.size() + s.test.size(), f.clips.size());
}

TEST(Splits, FoldErrorsNameTheKey) {
  Fixture f;
  TrainOptions o;
  o.test_fold = 3;
  try {
    make_splits(f.header, f.clips, o, "d.h5");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "train.test_fold");
    EXPECT_THAT(e.reason(), HasSubstr("0..2"));
  }
  o.test_fold = 1;
  o.valid_fold = 1;
  try {
    make_splits(f.header, f.clips, o, "d.h5");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "train.valid_fold");
  }
  o.valid_fold = 5;
  EXPECT_THROW(make_splits(f.header, f.clips, o, "d.h5"), InputError);
  // Two folds: test + valid leave nothing to train on.
  f.header.num_folds = 2;
  for (auto& c : f.clips) c.fold = c.fold % 2;
  o = TrainOptions{};
  try {
    make_splits(f.header, f.clips, o, "d.h5");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "d.h5");
    EXPECT_THAT(e.reason(), HasSubstr("training split has no clips"));
  }
}

TEST(Splits, CorruptFoldsWithASpeakerInTwoSplitsAreRejected) {
  Fixture f;
  f.clips[0].fold = 1;  // speaker a now has clips in folds 0 and 1
  TrainOptions o;
  try {
    make_splits(f.header, f.clips, o, "d.h5");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.reason(), HasSubstr("speaker 'a'"));
  }
}

TEST(Splits, CsvSplitColumnTakesPrecedence) {
  Fixture f;
  f.header.has_split = true;
  for (auto& c : f.clips)
    c.split = c.speaker < 4 ? "train" : c.speaker == 4 ? "Validation" : "test";
  TrainOptions o;
  o.test_fold = 0;
  const Splits s = make_splits(f.header, f.clips, o, "d.h5");
  EXPECT_EQ(s.source, "csv");
  EXPECT_EQ(speakers(f, s.train), (std::set<int>{0, 1, 2, 3}));
  EXPECT_EQ(speakers(f, s.valid), (std::set<int>{4}));
  EXPECT_EQ(speakers(f, s.test), (std::set<int>{5}));

  f.clips[3].split = "holdout";
  EXPECT_THROW(make_splits(f.header, f.clips, o, "d.h5"), InputError);
  f.clips[3].split = "test";  // speaker a in train and test
  try {
    make_splits(f.header, f.clips, o, "d.h5");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.reason(), HasSubstr("speaker-independent"));
  }
  // A split column with no values falls back to the folds.
  for (auto& c : f.clips) c.split.clear();
  EXPECT_EQ(make_splits(f.header, f.clips, o, "d.h5").source, "folds");
}

TEST(Splits, OnePersonsClipsMaySplitOnlyWhenSpeakerIndependenceIsTurnedOff) {
  Fixture f;
  f.header.has_split = true;
  for (std::size_t i = 0; i < f.clips.size(); ++i) f.clips[i].split = i % 3 == 0 ? "test" : "train";
  TrainOptions o;
  EXPECT_THROW(make_splits(f.header, f.clips, o, "d.h5"), InputError);
  o.speaker_independent = false;  // fine-tuning on a person's own clips
  const Splits s = make_splits(f.header, f.clips, o, "d.h5");
  EXPECT_EQ(s.source, "csv");
  EXPECT_EQ(s.train.size() + s.test.size(), f.clips.size());
  EXPECT_FALSE(s.test.empty());
  for (const std::size_t i : s.test) EXPECT_EQ(i % 3, 0u);
  // Folds stay per speaker whatever the option says: fold 0's speakers are only in the test.
  f.header.has_split = false;
  const Splits folds = make_splits(f.header, f.clips, o, "d.h5");
  for (const std::size_t i : folds.test) EXPECT_EQ(f.clips[i].fold, 0);
  for (const std::size_t i : folds.train) EXPECT_NE(f.clips[i].fold, 0);
}

}  // namespace
}  // namespace calmspace
