// `calmspace sweep`'s value lists (core/config/sweep.h): which overrides are lists, the order of
// the points, and the errors that stop a sweep before it starts.
#include "core/config/sweep.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/base/error.h"

namespace calmspace {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string error_of(const std::vector<std::string>& overrides) {
  try {
    const SweepSpec spec = parse_sweep(overrides);
    sweep_points(spec.axes);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Sweep, ACommaOutsideBracketsListsValuesAndBracketedListsStayOneValue) {
  const std::vector<std::string> overrides = {
      "model.cell=gru,lstm", "augment.speed_factors=[0.9,1.0,1.1]", "train.lr=0.001,0.003",
      "train.epochs=2", "data.labels='a,b'"};
  const SweepSpec spec = parse_sweep(overrides);
  EXPECT_THAT(spec.fixed, ElementsAre("augment.speed_factors=[0.9,1.0,1.1]", "train.epochs=2",
                                      "data.labels='a,b'"));
  ASSERT_EQ(spec.axes.size(), 2u);
  EXPECT_EQ(spec.axes[0].key, "model.cell");
  EXPECT_THAT(spec.axes[0].values, ElementsAre("gru", "lstm"));
  EXPECT_THAT(spec.axes[1].values, ElementsAre("0.001", "0.003"));
}

TEST(Sweep, AQuoteOpensAQuotedValueOnlyAtTheStartOfAnItem) {
  const std::vector<std::string> overrides = {"train.init=bob's.h5,alice.h5",
                                              "data.labels=\"x,y\",'z'"};
  const SweepSpec spec = parse_sweep(overrides);
  ASSERT_EQ(spec.axes.size(), 2u);
  EXPECT_THAT(spec.axes[0].values, ElementsAre("bob's.h5", "alice.h5"));
  EXPECT_THAT(spec.axes[1].values, ElementsAre("\"x,y\"", "'z'"));
}

TEST(Sweep, PointsAreEveryCombinationWithTheFirstKeySlowest) {
  const std::vector<std::string> overrides = {"a.x=1,2,3", "b.y=[1,2],[3]"};
  const SweepSpec spec = parse_sweep(overrides);
  const auto points = sweep_points(spec.axes);
  ASSERT_EQ(points.size(), 6u);
  EXPECT_THAT(points[0], ElementsAre("a.x=1", "b.y=[1,2]"));
  EXPECT_THAT(points[1], ElementsAre("a.x=1", "b.y=[3]"));
  EXPECT_THAT(points[2], ElementsAre("a.x=2", "b.y=[1,2]"));
  EXPECT_THAT(points[5], ElementsAre("a.x=3", "b.y=[3]"));
}

TEST(Sweep, EmptyValuesRepeatedKeysNoListAndTooManyPointsAreRefused) {
  EXPECT_THAT(error_of({"train.lr=0.1,,0.2"}), HasSubstr("an empty value"));
  EXPECT_THAT(error_of({"train.lr=0.1,"}), HasSubstr("train.lr=0.1,"));
  EXPECT_THAT(error_of({"train.lr=0.1,0.2", "train.lr=0.3,0.4"}), HasSubstr("swept twice"));
  EXPECT_THAT(error_of({"train.lr=0.1"}), HasSubstr("nothing to sweep"));
  EXPECT_THAT(error_of({"train.lr"}), HasSubstr("not an override"));
  EXPECT_THAT(error_of({"train.lr=0.1", "train.lr=0.2,0.3"}), HasSubstr("also swept"));
  // 3 x 10 x 10 = 300 points > 256.
  std::string ten = "0";
  for (int k = 1; k < 10; ++k) ten += "," + std::to_string(k);
  EXPECT_THAT(error_of({"a.x=1,2,3", "b.y=" + ten, "c.z=" + ten}), HasSubstr("more than 256"));
  EXPECT_EQ(error_of({"a.x=1,2,3", "b.y=" + ten}), "");
}

}  // namespace
}  // namespace calmspace
