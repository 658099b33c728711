// `calmspace sweep` on the tone dataset: each point equals its own `cv` run, points are ranked by
// validation UA, a bad value stops the sweep before anything is written, and a killed sweep
// resumes to the same results.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

int calmspace(const std::string& args, std::string* out) {
  return testing::run_command(testing::calmspace_binary().string() + " " + args, out);
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

// Two epochs of a tiny GRU: a point costs seconds.
const char* kTiny =
    " model.cell=gru model.num_layers=1 features.n_mels=16 train.epochs=2 train.seed=5"
    " train.batch_size=8 train.lr=0.02 train.warmup_epochs=0 train.num_threads=1";

class SweepCli : public ::testing::Test {
 protected:
  void SetUp() override { testing::write_tone_dataset(data_.string()); }
  testing::ScratchDir dir_;
  fs::path data_ = dir_ / "tones.h5";
};

TEST_F(SweepCli, EachPointEqualsItsOwnCrossValidationAndPointsAreRankedByValidationUa) {
  std::string out;
  const fs::path sweep = dir_ / "sweep";
  ASSERT_EQ(calmspace("sweep --data " + data_.string() + " --out " + sweep.string() + kTiny +
                          " model.hidden_size=4,12",
                      &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("sweep of 2 points"));
  EXPECT_THAT(out, HasSubstr("best by validation UA: point_"));
  const auto s = read_json(sweep / "sweep.json");
  ASSERT_EQ(s["points"].size(), 2u);
  EXPECT_EQ(s["points"][0]["overrides"][0], "model.hidden_size=4");
  EXPECT_EQ(s["points"][1]["overrides"][0], "model.hidden_size=12");
  EXPECT_EQ(s["ranked_by"], "mean validation UA over folds");
  const double v0 = s["points"][0]["valid_ua"].get<double>();
  const double v1 = s["points"][1]["valid_ua"].get<double>();
  EXPECT_EQ(s["best"], v1 > v0 ? "point_1" : "point_0");
  // Point 1 is exactly `cv` with its override: the same folds, seeds and scores.
  ASSERT_EQ(calmspace("cv --data " + data_.string() + " --out " + (dir_ / "cv12").string() + kTiny +
                          " model.hidden_size=12",
                      &out),
            0)
      << out;
  const auto alone = read_json(dir_ / "cv12" / "cv.json");
  const auto within = read_json(sweep / "point_1" / "cv.json");
  EXPECT_EQ(within["ua"]["per_fold"], alone["ua"]["per_fold"]);
  EXPECT_EQ(within["macro_f1"]["per_fold"], alone["macro_f1"]["per_fold"]);
  EXPECT_EQ(s["points"][1]["ua"]["mean"], alone["ua"]["mean"]);
  // The mean validation UA is the mean of the folds' best validation UA.
  double sum = 0;
  for (const auto& fold : within["folds"]) sum += fold["best_valid_ua"].get<double>();
  EXPECT_NEAR(v1, sum / static_cast<double>(within["folds"].size()), 1e-12);
  // A second sweep into the same folder is refused; it would mix two sweeps' points.
  EXPECT_EQ(calmspace("sweep --data " + data_.string() + " --out " + sweep.string() + kTiny +
                          " model.hidden_size=4,12",
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("holds a sweep already"));
}

TEST_F(SweepCli, ABadValueInAnyPointStopsTheSweepBeforeItWritesAnything) {
  std::string out;
  const fs::path sweep = dir_ / "bad";
  EXPECT_EQ(calmspace("sweep --data " + data_.string() + " --out " + sweep.string() + kTiny +
                          " model.cell=gru,banana",
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("banana"));
  EXPECT_FALSE(fs::exists(sweep));
  EXPECT_EQ(calmspace("sweep --data " + data_.string() + " --out " + sweep.string() + kTiny, &out),
            1);
  EXPECT_THAT(out, HasSubstr("nothing to sweep"));
  EXPECT_FALSE(fs::exists(sweep));
}

TEST_F(SweepCli, WithoutValidationFoldsNothingIsRanked) {
  std::string out;
  const fs::path sweep = dir_ / "noval";
  ASSERT_EQ(calmspace("sweep --data " + data_.string() + " --out " + sweep.string() + kTiny +
                          " train.validation=false train.lr=0.01,0.02",
                      &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("not ranked"));
  const auto s = read_json(sweep / "sweep.json");
  EXPECT_TRUE(s["best"].is_null());
  EXPECT_TRUE(s["points"][0]["valid_ua"].is_null());
  EXPECT_TRUE(s["points"][1]["ua"]["mean"].is_number());
}

// Killed after point 0 (point 1's cv.json and one fold lost, point 2 never started): --resume
// ends with the same results as the whole sweep, and point 0 is not trained again.
TEST_F(SweepCli, AKilledSweepResumesToTheSameResults) {
  std::string out;
  const fs::path whole = dir_ / "whole", broken = dir_ / "broken";
  ASSERT_EQ(calmspace("sweep --data " + data_.string() + " --out " + whole.string() + kTiny +
                          " train.lr=0.005,0.01,0.02",
                      &out),
            0)
      << out;
  fs::copy(whole, broken, fs::copy_options::recursive);
  auto s = read_json(broken / "sweep.json");
  for (std::size_t p = 0; p < 3; ++p) {  // as written before any point finished
    for (const char* key : {"valid_ua", "ua", "wa", "macro_f1"}) s["points"][p].erase(key);
  }
  s.erase("best");
  s.erase("ranked_by");
  std::ofstream(broken / "sweep.json") << s.dump(2);
  fs::remove(broken / "point_1" / "cv.json");
  fs::remove_all(broken / "point_1" / "fold_2");
  for (const auto& entry : fs::directory_iterator(broken / "point_2"))
    if (entry.path().filename() != "config.yaml") fs::remove_all(entry.path());
  const fs::path kept = broken / "point_0" / "fold_0" / "checkpoints" / "best.h5";
  const auto kept_time = fs::last_write_time(kept);
  ASSERT_EQ(calmspace("sweep --resume " + broken.string() + " --data " + data_.string(), &out), 0)
      << out;
  EXPECT_EQ(fs::last_write_time(kept), kept_time);
  const auto expected = read_json(whole / "sweep.json");
  const auto resumed = read_json(broken / "sweep.json");
  for (std::size_t p = 0; p < 3; ++p) {
    EXPECT_EQ(resumed["points"][p]["ua"], expected["points"][p]["ua"]) << p;
    EXPECT_EQ(resumed["points"][p]["valid_ua"], expected["points"][p]["valid_ua"]) << p;
  }
  EXPECT_EQ(resumed["best"], expected["best"]);
  // A resume takes no new points or overrides.
  EXPECT_EQ(calmspace("sweep --resume " + broken.string() + " --data " + data_.string() +
                          " train.lr=0.1,0.2",
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("keeps its stored points"));
}

}  // namespace
}  // namespace calmspace
