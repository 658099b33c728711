// The gnuplot figures: every figure of a run, eval, bench and prediction is drawn as PNG and SVG
// (non-trivial sizes, PNG signature), and its script and data carry the titles, axis labels with
// units and the numbers it was given; a failing or missing gnuplot is a clear error and leaves no
// half-written picture.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/eval/metrics.h"
#include "core/plot/bench_figures.h"
#include "core/plot/figures.h"
#include "core/plot/gnuplot.h"
#include "core/plot/plot_sources.h"
#include "core/train/epoch_record.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class PlotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      plot::find_gnuplot();
    } catch (const plot::GnuplotMissing& e) {
      GTEST_SKIP() << e.what();
    }
  }
  // PNG and SVG of `name` exist in `dir`, are real pictures of a sensible size.
  static void expect_picture(const fs::path& dir, const std::string& name) {
    const fs::path png = dir / (name + ".png"), svg = dir / (name + ".svg");
    ASSERT_TRUE(fs::exists(png)) << png;
    ASSERT_TRUE(fs::exists(svg)) << svg;
    EXPECT_GT(fs::file_size(png), 8000u) << png;  // an empty 960x640 canvas is ~3 KB
    EXPECT_EQ(slurp(png).substr(1, 3), "PNG");
    EXPECT_THAT(slurp(svg), HasSubstr("<svg"));
    for (const auto& e : fs::directory_iterator(dir))
      EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << "left over: " << e.path();
  }
  testing::ScratchDir dir_;
};

Metrics three_class_metrics() {
  return metrics_from_confusion({{8, 1, 1}, {2, 6, 2}, {0, 3, 7}}, {"low", "mid", "high"}, 0.75);
}

TEST_F(PlotTest, RunDirectoryGivesCurvesConfusionAndPerClassBars) {
  const fs::path run = dir_ / "run";
  fs::create_directories(run);
  std::vector<EpochRecord> history;
  for (int e = 1; e <= 6; ++e) {
    EpochRecord r;
    r.epoch = e;
    r.train_loss = 2.0 / e;
    r.valid_loss = 1.5 + 0.01 * e;
    r.train_accuracy = 0.1 * e;
    r.valid_wa = 0.05 * e;
    r.valid_ua = 0.04 * e;
    history.push_back(r);
  }
  testing::write_file(run / "metrics.jsonl", history_to_jsonl(history));
  write_report_json((run / "report.json").string(), three_class_metrics(), R"({"split":"test"})");

  const auto files = plot::plot_run_dir(run.string(), (run / "plots").string());
  EXPECT_EQ(files.size(), 6u);
  for (const char* name : {"training_curves", "confusion", "per_class"})
    expect_picture(run / "plots", name);

  const std::string curves = slurp(run / "plots" / "training_curves.gp");
  for (const char* s : {"Training curves", "set xlabel 'epoch'", "cross-entropy (nats)",
                        "accuracy (%)", "'validation'", "validation UA"})
    EXPECT_THAT(curves, HasSubstr(s));
  // Epoch 3: losses 0.666667 and 1.53, accuracies in percent.
  EXPECT_THAT(slurp(run / "plots" / "training_curves.dat"), HasSubstr("3 0.666667 1.53 30 15 12"));

  const std::string conf = slurp(run / "plots" / "confusion.gp");
  for (const char* s : {"Confusion matrix", "predicted class", "true class",
                        "share of the true class (%)", "\"low\" 0", "\"high\" 2"})
    EXPECT_THAT(conf, HasSubstr(s));
  // Row "mid" (truth 1): counts 2 6 2 of 10 -> 20 %, 60 %, 20 %.
  const std::string cdat = slurp(run / "plots" / "confusion.dat");
  EXPECT_THAT(cdat, HasSubstr("0 1 20 2\n1 1 60 6\n2 1 20 2\n"));

  const std::string pc = slurp(run / "plots" / "per_class.gp");
  for (const char* s : {"Per-class scores", "score (%)", "'precision'", "'recall'", "'F1'"})
    EXPECT_THAT(pc, HasSubstr(s));
  // low: precision 8/10, recall 8/10, F1 0.8, support 10.
  EXPECT_THAT(slurp(run / "plots" / "per_class.dat"), HasSubstr("\"low\" 80 80 80 10"));
}

TEST_F(PlotTest, PredictionGivesBarsPieAndTimelineInModelLabelOrder) {
  nlohmann::json p = {{"file", "clips/voice one.wav"},
                      {"duration_s", 6.0},
                      {"predicted", "angry"},
                      {"probabilities", {{"neutral", 0.1}, {"angry", 0.7}, {"sad", 0.2}}}};
  for (int w = 0; w < 4; ++w)
    p["timeline"].push_back({{"start_s", w},
                             {"end_s", w + 3},
                             {"predicted", "angry"},
                             {"probabilities", {{"neutral", 0.2}, {"angry", 0.5}, {"sad", 0.3}}}});
  const fs::path json = dir_ / "pred.json";
  testing::write_file(
      json, nlohmann::json{{"labels", {"neutral", "angry", "sad"}}, {"predictions", {p}}}.dump());
  const auto files = plot::plot_path(json.string());
  EXPECT_EQ(files.size(), 6u);
  const fs::path out = dir_ / "pred_plots";
  for (const char* name : {"voice_one_probabilities", "voice_one_pie", "voice_one_timeline"})
    expect_picture(out, name);
  EXPECT_THAT(slurp(out / "voice_one_probabilities.gp"), HasSubstr("probability (%)"));
  // Most likely first.
  EXPECT_THAT(slurp(out / "voice_one_probabilities.dat"), HasSubstr("0 \"angry\" 70"));
  const std::string tl = slurp(out / "voice_one_timeline.gp");
  EXPECT_THAT(tl, HasSubstr("time (s)"));
  EXPECT_THAT(tl, HasSubstr("title \"neutral\""));
  // Stacked in model order: neutral 20, + angry 70, + sad 100; first window spans 0..2 s.
  EXPECT_THAT(slurp(out / "voice_one_timeline.dat"), HasSubstr("0 20 70 100\n2 20 70 100\n"));
  // Pie slices in model order sum to the full circle: neutral 36 degrees from 12 o'clock.
  EXPECT_THAT(slurp(out / "voice_one_pie.dat"), HasSubstr("54 90 "));
}

nlohmann::json bench_json() {
  const auto cell = [](const char* name, double ua, double seconds, double train, double infer) {
    const auto s = [](double m, double sd, std::vector<double> f) {
      return nlohmann::json{{"mean", m}, {"std", sd}, {"per_fold", f}};
    };
    return nlohmann::json{{"cell", name},
                          {"ua", s(ua, 0.02, {ua - 0.01, ua + 0.01})},
                          {"wa", s(ua + 0.01, 0.02, {ua, ua + 0.02})},
                          {"macro_f1", s(ua - 0.05, 0.01, {ua - 0.06, ua - 0.04})},
                          {"train_seconds", s(seconds, 1.0, {seconds - 1, seconds + 1})},
                          {"train_clips_per_s", train},
                          {"inference", {{"clips_per_s", infer}}}};
  };
  return {{"folds_run", 2},
          {"num_folds", 3},
          {"machine", {{"cpu", "Test CPU"}, {"threads", 2}}},
          {"cells",
           {cell("rnn", 0.40, 10, 900, 4000), cell("lstm", 0.55, 30, 300, 1500),
            cell("gru", 0.52, 22, 450, 2100)}}};
}

TEST_F(PlotTest, BenchDirectoryGivesAccuracyThroughputAndTradeOff) {
  const fs::path b = dir_ / "bench";
  fs::create_directories(b);
  testing::write_file(b / "bench.json", bench_json().dump());
  const auto files = plot::plot_path(b.string());
  EXPECT_EQ(files.size(), 6u);
  for (const char* name : {"cells_accuracy", "cells_throughput", "cells_accuracy_vs_time"})
    expect_picture(b / "plots", name);
  EXPECT_THAT(slurp(b / "plots" / "cells_accuracy.gp"), HasSubstr("dots = folds"));
  EXPECT_THAT(slurp(b / "plots" / "cells_throughput.gp"), HasSubstr("clips per second"));
  const std::string t = slurp(b / "plots" / "cells_accuracy_vs_time.gp");
  EXPECT_THAT(t, HasSubstr("training time per fold (s"));
  EXPECT_THAT(t, HasSubstr("test UA (%)"));
  EXPECT_THAT(slurp(b / "plots" / "cells_accuracy_vs_time.dat"), HasSubstr("30 55 1 2 \"lstm\""));
  // lstm UA bar at x = 1 - 0.26, 55 %, std 2 %; its folds are dots.
  EXPECT_THAT(slurp(b / "plots" / "cells_accuracy.dat"), HasSubstr("0.74 55 2 1"));
  EXPECT_THAT(slurp(b / "plots" / "cells_throughput.dat"), HasSubstr("1.18 1500 2"));
}

TEST_F(PlotTest, FeatureRooflineUsesTheRecordedGpuBandwidth) {
  const nlohmann::json r = {
      {"context", {{"gpu_bandwidth_gbs", "3000.0"}, {"gpu_name", "Test GPU"}}},
      {"benchmarks",
       {{{"name", "features_cpu_logmel/b32x4s/threads:1/manual_time"},
         {"run_type", "iteration"},
         {"audio_s_per_s", 5000.0},
         {"bytes_per_audio_s", 90000.0}}}}};
  const fs::path json = dir_ / "features.json";
  testing::write_file(json, r.dump());
  plot::plot_path(json.string());
  expect_picture(dir_ / "features_plots", "feature_roofline");
  const std::string gp = slurp(dir_ / "features_plots" / "feature_roofline.gp");
  EXPECT_THAT(gp, HasSubstr("audio seconds per second"));
  EXPECT_THAT(gp, HasSubstr("roofline: 3000 GB/s / 90000 bytes per audio second"));
  EXPECT_THAT(gp, HasSubstr("3.33333e+07"));  // the ceiling: 3000e9 / 90000 audio-s/s
}

TEST_F(PlotTest, FeatureRooflineDrawsTheMedianOfRepetitions) {
  const auto run = [](const char* type, const char* aggregate, double rate) {
    nlohmann::json bm = {{"name", "features_cuda_logmel/device/b32x4s/manual_time"},
                         {"run_name", "features_cuda_logmel/device/b32x4s/manual_time"},
                         {"run_type", type},
                         {"audio_s_per_s", rate},
                         {"bytes_per_audio_s", 90000.0}};
    if (*aggregate) bm["aggregate_name"] = aggregate;
    return bm;
  };
  const nlohmann::json r = {
      {"context", {{"gpu_bandwidth_gbs", "3000.0"}}},
      {"benchmarks",
       {run("iteration", "", 1e6), run("iteration", "", 3e6), run("iteration", "", 2e6),
        run("aggregate", "mean", 2e6), run("aggregate", "median", 2.5e6)}}};
  const fs::path json = dir_ / "repeated.json";
  testing::write_file(json, r.dump());
  plot::plot_path(json.string());
  const std::string dat = slurp(dir_ / "repeated_plots" / "feature_roofline.dat");
  EXPECT_THAT(dat, HasSubstr("0 2.5e+06 "));               // the median, first and only bar
  EXPECT_EQ(std::count(dat.begin(), dat.end(), '\n'), 2);  // header + one bar
}

TEST_F(PlotTest, GnuplotErrorNamesTheScriptAndLeavesNoPicture) {
  plot::Figure f{"broken", 400, 300, "plot 'missing.dat' using 1:2 with lines\n", {}};
  try {
    plot::render(f, dir_.path().string());
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("broken.gp"));
    EXPECT_THAT(e.what(), HasSubstr("gnuplot failed"));
  }
  EXPECT_FALSE(fs::exists(dir_ / "broken.png"));
  EXPECT_FALSE(fs::exists(dir_ / "broken.svg"));
  for (const auto& e : fs::directory_iterator(dir_.path()))
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST(PlotGnuplotMissing, IsAClearError) {
  ::setenv("CALMSPACE_GNUPLOT", "/nonexistent/gnuplot", 1);
  EXPECT_THROW(
      {
        try {
          plot::find_gnuplot();
        } catch (const plot::GnuplotMissing& e) {
          EXPECT_THAT(e.what(), HasSubstr("/nonexistent/gnuplot"));
          throw;
        }
      },
      plot::GnuplotMissing);
  ::unsetenv("CALMSPACE_GNUPLOT");
}

TEST(PlotSources, NothingToPlotIsAnInputError) {
  testing::ScratchDir dir;
  EXPECT_THROW(plot::plot_path(dir.path().string()), InputError);
  EXPECT_THROW(plot::plot_path((dir / "absent.json").string()), InputError);
}

}  // namespace
}  // namespace calmspace
