// Speaker-independent folds: explicit lists and dealt groups, and their errors.
#include "core/dataset/folds.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/base/error.h"

namespace calmspace {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> ravdess_actors() {
  std::vector<std::string> out;
  for (int a = 24; a >= 1; --a) out.push_back((a < 10 ? "0" : "") + std::to_string(a));
  return out;
}

TEST(Folds, NumFoldsDealsSortedSpeakersIntoContiguousGroups) {
  DataOptions o;
  o.num_folds = 6;
  const auto f = assign_folds(ravdess_actors(), o);
  EXPECT_EQ(f.num_folds, 6);
  ASSERT_EQ(f.speakers.size(), 24u);
  EXPECT_EQ(f.speakers.front(), "01");
  for (int i = 0; i < 24; ++i) EXPECT_EQ(f.speaker_fold[i], i / 4) << f.speakers[i];
  EXPECT_EQ(f.fold_of("05"), 1);
  EXPECT_EQ(f.fold_of("99"), -1);
  EXPECT_TRUE(f.warnings.empty());
}

TEST(Folds, UnevenGroupsDifferByAtMostOne) {
  DataOptions o;
  o.num_folds = 3;
  const auto f = assign_folds({"e", "a", "d", "b", "c", "a"}, o);  // duplicates collapse
  EXPECT_THAT(f.speakers, ElementsAre("a", "b", "c", "d", "e"));
  EXPECT_THAT(f.speaker_fold, ElementsAre(0, 1, 1, 2, 2));
}

TEST(Folds, FewerSpeakersThanFoldsGiveAFoldEachWithAWarning) {
  DataOptions o;
  o.num_folds = 6;
  const FoldAssignment f = assign_folds({"YAF", "OAF", "OAF"}, o);
  EXPECT_EQ(f.num_folds, 2);
  EXPECT_THAT(f.speaker_fold, ElementsAre(0, 1));
  ASSERT_EQ(f.warnings.size(), 1u);
  EXPECT_THAT(f.warnings[0], HasSubstr("the corpus has 2; using 2 folds"));
  try {
    assign_folds({"OAF", "OAF"}, o);
    FAIL() << "one speaker: no speaker-independent split";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "data.num_folds");
    EXPECT_THAT(e.reason(), HasSubstr("the corpus has 1"));
  }
}

TEST(Folds, ExplicitFoldsAsInConfigsRavdess) {
  DataOptions o;
  for (int f = 0; f < 6; ++f) {
    std::vector<std::string> fold;
    for (int a = 4 * f + 1; a <= 4 * f + 4; ++a)
      fold.push_back((a < 10 ? "0" : "") + std::to_string(a));
    o.folds.push_back(fold);
  }
  const auto f = assign_folds(ravdess_actors(), o);
  EXPECT_EQ(f.num_folds, 6);
  for (int i = 0; i < 24; ++i) EXPECT_EQ(f.speaker_fold[i], i / 4);
}

TEST(Folds, ExplicitFoldsKeepTheirOrder) {
  DataOptions o;
  o.folds = {{"YAF"}, {"OAF"}};
  const auto f = assign_folds({"OAF", "YAF"}, o);
  EXPECT_EQ(f.fold_of("YAF"), 0);
  EXPECT_EQ(f.fold_of("OAF"), 1);
}

TEST(Folds, SpeakerInNoFoldIsAnInputErrorNamingIt) {
  DataOptions o;
  o.folds = {{"01", "02"}, {"03"}};
  try {
    assign_folds({"01", "02", "03", "04"}, o);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("data.folds"), HasSubstr("'04'")));
  }
}

TEST(Folds, FoldSpeakerWithoutClipsIsAWarning) {
  DataOptions o;
  o.folds = {{"01", "02"}, {"03", "99"}};
  const auto f = assign_folds({"01", "02", "03"}, o);
  ASSERT_EQ(f.warnings.size(), 1u);
  EXPECT_THAT(f.warnings[0], AllOf(HasSubstr("data.folds"), HasSubstr("'99'")));
}

TEST(Folds, SpeakerInTwoFoldsIsAnInputError) {
  DataOptions o;
  o.folds = {{"01", "02"}, {"02", "03"}};
  try {
    assign_folds({"01", "02", "03"}, o);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("data.folds"), HasSubstr("'02'")));
  }
  // The config's own validation catches it too, before any work.
  EXPECT_THROW(o.validate(), InputError);
}

}  // namespace
}  // namespace calmspace
