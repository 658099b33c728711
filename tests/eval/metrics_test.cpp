// Metrics on hand-made confusion cases, and the report files.
#include "core/eval/metrics.h"
#include "core/model/softmax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_support.h"

namespace calmspace {
namespace {

using testing::ScratchDir;

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Metrics, PerfectPredictionsScoreOne) {
  const std::vector<int> y = {0, 1, 2, 2, 1};
  const auto m = compute_metrics(y, y, {"a", "b", "c"}, 0.1);
  EXPECT_DOUBLE_EQ(m.wa, 1.0);
  EXPECT_DOUBLE_EQ(m.ua, 1.0);
  EXPECT_DOUBLE_EQ(m.macro_f1, 1.0);
  EXPECT_EQ(m.clips, 5);
  EXPECT_EQ(m.confusion[2][2], 2);
}

TEST(Metrics, HandComputedCaseWithAClassNeverPredicted) {
  // truth:      0 0 0 0 1 1 2 2 2 2
  // predicted:  0 0 0 1 1 0 0 0 1 1   (class 2 never predicted)
  const std::vector<int> t = {0, 0, 0, 0, 1, 1, 2, 2, 2, 2};
  const std::vector<int> p = {0, 0, 0, 1, 1, 0, 0, 0, 1, 1};
  const auto m = compute_metrics(t, p, {"a", "b", "c"});
  // rows = truth, cols = predicted
  EXPECT_EQ(m.confusion, (std::vector<std::vector<std::int64_t>>{{3, 1, 0}, {1, 1, 0}, {2, 2, 0}}));
  EXPECT_DOUBLE_EQ(m.wa, 4.0 / 10);
  // recalls 3/4, 1/2, 0 -> UA = 1.25 / 3
  EXPECT_DOUBLE_EQ(m.ua, (0.75 + 0.5 + 0.0) / 3);
  // precisions: a 3/6, b 1/4, c undefined -> 0
  EXPECT_DOUBLE_EQ(m.per_class[0].precision, 0.5);
  EXPECT_DOUBLE_EQ(m.per_class[1].precision, 0.25);
  EXPECT_DOUBLE_EQ(m.per_class[2].precision, 0.0);
  const double f1a = 2 * 0.5 * 0.75 / 1.25, f1b = 2 * 0.25 * 0.5 / 0.75;
  EXPECT_DOUBLE_EQ(m.per_class[0].f1, f1a);
  EXPECT_DOUBLE_EQ(m.per_class[1].f1, f1b);
  EXPECT_DOUBLE_EQ(m.per_class[2].f1, 0.0);
  EXPECT_DOUBLE_EQ(m.macro_f1, (f1a + f1b + 0.0) / 3);
  EXPECT_EQ(m.per_class[2].support, 4);
  EXPECT_EQ(m.per_class[0].predicted, 6);
  EXPECT_TRUE(std::isnan(m.loss));
}

TEST(Metrics, AClassAbsentFromTheTruthIsLeftOutOfUaButCountsInMacroF1WhenPredicted) {
  // 3 labels; class 2 never true. Predicted once as 2.
  const std::vector<int> t = {0, 0, 1, 1};
  const std::vector<int> p = {0, 2, 1, 1};
  const auto m = compute_metrics(t, p, {"a", "b", "c"});
  EXPECT_DOUBLE_EQ(m.ua, (0.5 + 1.0) / 2);  // mean over classes present in the truth
  EXPECT_DOUBLE_EQ(m.wa, 0.75);
  EXPECT_EQ(m.per_class[2].support, 0);
  EXPECT_DOUBLE_EQ(m.per_class[2].recall, 0.0);
  EXPECT_DOUBLE_EQ(m.per_class[2].f1, 0.0);
  const double f1a = 2 * 1.0 * 0.5 / 1.5;  // precision 1, recall 0.5
  // sklearn f1_score(average="macro") over labels in truth or predictions: a, b, c
  EXPECT_DOUBLE_EQ(m.macro_f1, (f1a + 1.0 + 0.0) / 3);

  // Class absent from truth AND predictions: left out of both averages.
  const auto m2 = compute_metrics(std::vector<int>{0, 1}, std::vector<int>{0, 1}, {"a", "b", "c"});
  EXPECT_DOUBLE_EQ(m2.ua, 1.0);
  EXPECT_DOUBLE_EQ(m2.macro_f1, 1.0);
}

TEST(Metrics, ArgmaxTakesTheFirstMaximum) {
  const std::vector<float> s = {0.1f, 0.7f, 0.2f, 0.5f, 0.5f, 0.0f};
  EXPECT_EQ(argmax_rows(s, 3), (std::vector<int>{1, 0}));
}

TEST(Metrics, ReportJsonHasEveryKeyAndCsvHasClassAndSummaryRows) {
  const std::vector<int> t = {0, 0, 1, 2};
  const std::vector<int> p = {0, 1, 1, 2};
  const auto m = compute_metrics(t, p, {"calm", "angry, loud", "sad"}, 0.625);
  ScratchDir dir;
  write_report_json((dir / "report.json").string(), m, R"({"split": "test"})");
  const auto j = nlohmann::json::parse(read(dir / "report.json"));
  for (const char* key :
       {"wa", "ua", "macro_f1", "labels", "confusion", "per_class", "loss", "clips", "split"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_DOUBLE_EQ(j["wa"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(j["loss"].get<double>(), 0.625);
  EXPECT_EQ(j["clips"].get<int>(), 4);
  EXPECT_EQ(j["labels"][1], "angry, loud");
  EXPECT_EQ(j["confusion"][0][1].get<int>(), 1);
  for (const char* key : {"precision", "recall", "f1", "support"})
    EXPECT_TRUE(j["per_class"]["sad"].contains(key)) << key;
  EXPECT_EQ(j["per_class"]["calm"]["support"].get<int>(), 2);
  EXPECT_DOUBLE_EQ(j["per_class"]["calm"]["recall"].get<double>(), 0.5);
  // NaN loss is written as null (valid JSON).
  const auto no_loss = nlohmann::json::parse(report_json(compute_metrics(t, p, {"a", "b", "c"})));
  EXPECT_TRUE(no_loss["loss"].is_null());

  write_report_csv((dir / "report.csv").string(), m);
  const auto csv = read(dir / "report.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "row,precision,recall,f1,support,value");
  EXPECT_NE(csv.find("calm,1,0.5,"), std::string::npos);
  EXPECT_NE(csv.find("\"angry, loud\","), std::string::npos);
  EXPECT_NE(csv.find("\nwa,,,,,0.75\n"), std::string::npos);
  EXPECT_NE(csv.find("\nloss,,,,,0.625\n"), std::string::npos);
  EXPECT_NE(csv.find("\nclips,,,,,4\n"), std::string::npos);
  // Six significant digits: a third is 0.333333, not 0.33333333333333331.
  Metrics third = m;
  third.ua = 1.0 / 3.0;
  EXPECT_NE(report_csv(third).find("\nua,,,,,0.333333\n"), std::string::npos);
  // Atomic writes leave no temporaries.
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 2);
}

}  // namespace
}  // namespace calmspace
