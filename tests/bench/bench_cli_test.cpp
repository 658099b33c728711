// `calmspace bench` on the tone dataset with the quick recipe (configs/bench_quick.yaml, 2 of 3
// folds): one table with all three cells, bench.json with every measure, the plots, and a clear
// error for an unknown cell; without gnuplot it warns once and still writes the results.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

int calmspace(const std::string& args, std::string* out) {
  return testing::run_command(testing::calmspace_binary().string() + " " + args, out);
}

const char* kQuick = " " CALMSPACE_SOURCE_DIR
                     "/configs/bench_quick.yaml --folds 2 features.n_mels=16"
                     " model.hidden_size=8 train.epochs=2 train.batch_size=8 train.num_threads=1";

class BenchCli : public ::testing::Test {
 protected:
  void SetUp() override { testing::write_tone_dataset(data_.string()); }
  testing::ScratchDir dir_;
  fs::path data_ = dir_ / "tones.h5";
};

TEST_F(BenchCli, ComparesThreeCellsInOneTable) {
  std::string out;
  const fs::path b = dir_ / "bench";
  ASSERT_EQ(calmspace("bench --data " + data_.string() + " --out " + b.string() + kQuick, &out), 0)
      << out;
  std::ifstream in(b / "bench.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["folds_run"], 2);
  EXPECT_EQ(j["num_folds"], 3);
  EXPECT_THAT(j["command"].get<std::string>(), HasSubstr("bench --data"));
  EXPECT_TRUE(j["machine"].contains("git_revision"));
  ASSERT_EQ(j["cells"].size(), 3u);
  const char* cells[] = {"rnn", "lstm", "gru"};
  std::int64_t params[3];
  for (int c = 0; c < 3; ++c) {
    const auto& r = j["cells"][c];
    EXPECT_EQ(r["cell"], cells[c]);
    for (const char* m : {"ua", "wa", "macro_f1", "train_seconds"}) {
      ASSERT_EQ(r[m]["per_fold"].size(), 2u) << cells[c] << " " << m;
      EXPECT_GE(r[m]["std"].get<double>(), 0.0);
    }
    EXPECT_GT(r["train_clips_per_s"].get<double>(), 0.0);
    EXPECT_GT(r["inference"]["clips_per_s"].get<double>(), 0.0);
    params[c] = r["parameters"].get<std::int64_t>();
    EXPECT_EQ(r["model_bytes"].get<std::int64_t>(), 4 * params[c]);
    EXPECT_TRUE(fs::exists(b / cells[c] / "fold_1" / "report.json"));
    EXPECT_FALSE(fs::exists(b / cells[c] / "fold_2"));  // --folds 2
  }
  // Same recipe, 16 inputs, H = 8, 3 classes: recurrent weights grow with the gates (1, 4, 3).
  const auto expect = [](int G) { return G * 8 * (16 + 8) + 2 * G * 8 + 3 * 8 + 3; };
  EXPECT_EQ(params[0], expect(1));
  EXPECT_EQ(params[1], expect(4));
  EXPECT_EQ(params[2], expect(3));

  std::ifstream md_in(b / "bench.md");
  std::stringstream md;
  md << md_in.rdbuf();
  EXPECT_THAT(md.str(), HasSubstr("| cell | UA (%) | WA (%) | macro-F1 (%) |"));
  for (const char* c : cells) EXPECT_THAT(md.str(), HasSubstr(std::string("\n| ") + c + " | "));
  EXPECT_THAT(out, HasSubstr("| gru | "));  // printed too
  for (const char* p : {"cells_accuracy", "cells_throughput", "cells_accuracy_vs_time"}) {
    EXPECT_TRUE(fs::exists(b / "plots" / (std::string(p) + ".png"))) << p;
    EXPECT_TRUE(fs::exists(b / "plots" / (std::string(p) + ".svg"))) << p;
  }
}

TEST_F(BenchCli, UnknownCellIsAnErrorBeforeTraining) {
  std::string out;
  const fs::path b = dir_ / "bad";
  EXPECT_EQ(calmspace("bench --data " + data_.string() + " --out " + b.string() +
                          " --cells rnn,transformer" + kQuick,
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("--cells: unknown cell 'transformer'"));
  EXPECT_FALSE(fs::exists(b / "rnn"));
}

TEST_F(BenchCli, WithoutGnuplotWarnsOnceAndKeepsTheResults) {
  std::string out;
  const fs::path b = dir_ / "noplot";
  ASSERT_EQ(calmspace("bench --data " + data_.string() + " --out " + b.string() + " --cells gru" +
                          kQuick + " train.epochs=1",
                      &out),
            0)
      << out;
  EXPECT_FALSE(out.find("warning: no plots") != std::string::npos);  // gnuplot present here
  const std::string env = "CALMSPACE_GNUPLOT=/nonexistent/gnuplot ";
  ASSERT_EQ(testing::run_command(env + testing::calmspace_binary().string() + " plot " +
                                     b.string() + " --out " + (dir_ / "p").string(),
                                 &out),
            1);
  EXPECT_THAT(out, HasSubstr("gnuplot: $CALMSPACE_GNUPLOT=/nonexistent/gnuplot"));
  fs::remove_all(b);
  ASSERT_EQ(testing::run_command(env + testing::calmspace_binary().string() + " bench --data " +
                                     data_.string() + " --out " + b.string() + " --cells gru" +
                                     kQuick + " train.epochs=1",
                                 &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("warning: no plots"));
  EXPECT_TRUE(fs::exists(b / "bench.json"));
  EXPECT_FALSE(fs::exists(b / "plots"));
}

}  // namespace
}  // namespace calmspace
