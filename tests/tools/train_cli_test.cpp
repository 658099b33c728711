// train -> eval -> export -> predict, and cv, through the `calmspace` program on the tone dataset.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
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

const char* kTiny =
    " model.cell=gru model.hidden_size=12 model.num_layers=1 model.bidirectional=true"
    " features.n_mels=16 train.epochs=12 train.seed=5"
    " train.batch_size=8 train.lr=0.02 train.warmup_epochs=0 train.min_lr=0.001"
    " train.num_threads=1";

class TrainCli : public ::testing::Test {
 protected:
  void SetUp() override { testing::write_tone_dataset(data_.string()); }
  // A one-epoch run of the tiny recipe in `run` (`extra` overrides appended); it must succeed.
  void train_one_epoch(const fs::path& run, const std::string& extra = "") {
    std::string out;
    ASSERT_EQ(calmspace("train --data " + data_.string() + " --out " + run.string() + kTiny +
                            " train.epochs=1" + extra,
                        &out),
              0)
        << out;
  }
  testing::ScratchDir dir_;
  fs::path data_ = dir_ / "tones.h5";
};

TEST_F(TrainCli, TrainEvalExportPredictAgree) {
  std::string out;
  const fs::path run = dir_ / "run";
  ASSERT_EQ(calmspace("train --data " + data_.string() + " --out " + run.string() + kTiny, &out), 0)
      << out;
  // Validation UA is perfect from epoch 1, so patience 10 stops the run after epoch 11.
  EXPECT_THAT(out, HasSubstr("epoch  11/12"));
  EXPECT_THAT(out, HasSubstr("stopped early"));
  EXPECT_THAT(out, HasSubstr("test: UA"));
  const auto report = read_json(run / "report.json");
  for (const char* key : {"wa", "ua", "macro_f1", "labels", "confusion"})
    EXPECT_TRUE(report.contains(key)) << key;
  EXPECT_GE(report["ua"].get<double>(), 0.9);

  // eval of the same split reproduces the training run's test report.
  ASSERT_EQ(calmspace("eval " + run.string() + " --data " + data_.string(), &out), 0) << out;
  const auto again = read_json(run / "eval_test" / "report.json");
  EXPECT_EQ(again["ua"], report["ua"]);
  EXPECT_EQ(again["confusion"], report["confusion"]);

  // export -> predict from the export equals predict from the run directory.
  const fs::path st = dir_ / "model.safetensors";
  ASSERT_EQ(
      calmspace("export " + run.string() + " --format safetensors --out " + st.string(), &out), 0)
      << out;
  const fs::path clip = dir_ / "clip.wav";
  testing::write_tone_wav(clip, 2600, 8.0);  // long enough for a timeline
  ASSERT_EQ(calmspace("predict " + clip.string() + " --model " + st.string() + " --out " +
                          (dir_ / "a.json").string(),
                      &out),
            0)
      << out;
  ASSERT_EQ(calmspace("predict " + clip.string() + " --model " + run.string() + " --out " +
                          (dir_ / "b.json").string(),
                      &out),
            0)
      << out;
  const auto a = read_json(dir_ / "a.json")["predictions"][0];
  const auto b = read_json(dir_ / "b.json")["predictions"][0];
  EXPECT_EQ(a["probabilities"], b["probabilities"]);
  EXPECT_EQ(a["predicted"], "high");
  EXPECT_NEAR(a["duration_s"].get<double>(), 8.0, 1e-9);
  ASSERT_EQ(a["timeline"].size(), 6u);  // 3 s windows every 1 s over 8 s: starts 0..5
  EXPECT_EQ(a["timeline"][5]["end_s"].get<double>(), 8.0);
  // Without --model, predict takes $CALMSPACE_MODEL (else the shipped model), as serve does.
  ASSERT_EQ(testing::run_command("CALMSPACE_MODEL='" + st.string() + "' " +
                                     testing::calmspace_binary().string() + " predict " +
                                     clip.string() + " --out " + (dir_ / "c.json").string(),
                                 &out),
            0)
      << out;
  EXPECT_EQ(read_json(dir_ / "c.json")["predictions"][0]["probabilities"], a["probabilities"]);
  EXPECT_EQ(read_json(dir_ / "c.json")["model"], st.string());
}

TEST_F(TrainCli, PredictReportsBadFilesAndGoesOn) {
  std::string out;
  const fs::path run = dir_ / "run";
  ASSERT_NO_FATAL_FAILURE(train_one_epoch(run));
  fs::create_directories(dir_ / "in");
  testing::write_file(dir_ / "in" / "broken.wav", "RIFF....WAVE");
  fs::copy_file(dir_ / "tones.h5", dir_ / "in" / "not_audio.flac");
  ASSERT_EQ(calmspace("predict " + (dir_ / "in").string() + " --model " + run.string(), &out), 1);
  EXPECT_THAT(out, HasSubstr("skipped " + (dir_ / "in" / "broken.wav").string() + ": "));
  EXPECT_THAT(out, HasSubstr("predicted 0 input(s), skipped 2"));
  // With one good recording the others are still reported, its prediction is written, and the
  // exit status says that not everything went through.
  testing::write_tone_wav(dir_ / "in" / "good.wav", 900, 1.0);
  ASSERT_EQ(calmspace("predict " + (dir_ / "in").string() + " --model " + run.string() + " --out " +
                          (dir_ / "some.json").string(),
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("2 of 3 inputs could not be predicted"));
  const auto some = read_json(dir_ / "some.json");
  EXPECT_EQ(some["predictions"].size(), 1u);
  EXPECT_EQ(some["skipped"].size(), 2u);
  ASSERT_EQ(calmspace("predict x.wav --model " + (dir_ / "nowhere").string(), &out), 1);
  EXPECT_THAT(out, HasSubstr("no such model file or run directory"));
}

TEST_F(TrainCli, TooShortRecordingIsSkippedNamingTheFile) {
  std::string out;
  const fs::path run = dir_ / "run";
  // Snip-edges framing: a recording shorter than one 25 ms window gives no frame at all.
  ASSERT_NO_FATAL_FAILURE(train_one_epoch(run, " features.center=false"));
  const fs::path blip = dir_ / "blip.wav";
  testing::write_tone_wav(blip, 2600, 0.005);
  EXPECT_EQ(calmspace("predict " + blip.string() + " --model " + run.string(), &out), 1);
  EXPECT_THAT(out, HasSubstr("skipped " + blip.string() + ": too short"));
}

TEST_F(TrainCli, CrossValidationWritesEveryFoldAndTheSummary) {
  std::string out;
  ASSERT_EQ(calmspace("cv --data " + data_.string() + " --out " + (dir_ / "cv").string() + kTiny +
                          " train.epochs=3",
                      &out),
            0)
      << out;
  const auto cv = read_json(dir_ / "cv" / "cv.json");
  ASSERT_EQ(cv["folds"].size(), 3u);
  double sum = 0;
  for (int k = 0; k < 3; ++k) {
    EXPECT_TRUE(fs::exists(dir_ / "cv" / ("fold_" + std::to_string(k)) / "report.json"));
    sum += cv["ua"]["per_fold"][k].get<double>();
    EXPECT_EQ(cv["folds"][k]["report"]["clips"], 24);
  }
  EXPECT_NEAR(cv["ua"]["mean"].get<double>(), sum / 3, 1e-12);
  EXPECT_GE(cv["ua"]["std"].get<double>(), 0.0);
  EXPECT_THAT(out, HasSubstr("cv over 3 folds: UA"));
}

// calibrate fits a temperature on held-out clips and writes a NEW model carrying it: eval reports
// it with the calibration error and a lower loss on the same clips (the fit minimises it), predict
// uses it (same answer, other probabilities) and quotes the measured cross-corpus UA in words.
// --cv pools a cross-validation's fold models, each on its own test fold.
TEST_F(TrainCli, CalibrateWritesAModelWhoseTemperatureEvalAndPredictUse) {
  std::string out;
  const fs::path run = dir_ / "run", calibrated = dir_ / "calibrated.h5";
  ASSERT_NO_FATAL_FAILURE(train_one_epoch(run));
  ASSERT_EQ(calmspace("eval " + run.string() + " --data " + data_.string() + " --out " +
                          (dir_ / "raw").string() + " --no-plots",
                      &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("not calibrated"));
  ASSERT_EQ(calmspace("calibrate " + run.string() + " --data " + data_.string() + " --out " +
                          calibrated.string() + " --unseen-corpus-ua 0.3",
                      &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("fitted on 24 clips (test split"));
  EXPECT_THAT(out, HasSubstr("each of the corpora weighted the same"));
  // One corpus: weighing corpora or clips is the same fit; --weigh takes only its three names.
  const auto after_line = [](const std::string& text) {
    return text.substr(text.find("after"),
                       text.find('\n', text.find("after")) - text.find("after"));
  };
  std::string by_clips;
  ASSERT_EQ(calmspace("calibrate " + run.string() + " --data " + data_.string() + " --out " +
                          (dir_ / "by_clips.h5").string() + " --weigh clips",
                      &by_clips),
            0)
      << by_clips;
  EXPECT_THAT(by_clips, HasSubstr("each of the clips weighted the same"));
  EXPECT_EQ(after_line(by_clips), after_line(out));
  EXPECT_NE(calmspace("calibrate " + run.string() + " --data " + data_.string() + " --out " +
                          (dir_ / "by_voice.h5").string() + " --weigh voices",
                      &by_clips),
            0);
  EXPECT_THAT(by_clips, HasSubstr("--weigh"));
  ASSERT_EQ(calmspace("eval " + calibrated.string() + " --data " + data_.string() + " --out " +
                          (dir_ / "cal").string() + " --no-plots",
                      &out),
            0)
      << out;
  const auto raw = read_json(dir_ / "raw" / "report.json");
  const auto cal = read_json(dir_ / "cal" / "report.json");
  EXPECT_EQ(raw["calibration"]["temperature"], 1.0);
  const double T = cal["calibration"]["temperature"].get<double>();
  EXPECT_NE(T, 1.0);
  EXPECT_LE(cal["loss"].get<double>(), raw["loss"].get<double>() + 1e-6);
  EXPECT_EQ(cal["confusion"], raw["confusion"]);  // a temperature never changes the argmax
  EXPECT_EQ(cal["calibration"]["reliability"].size(), 15u);
  // Each clip's prediction beside the report: a header and one row per clip.
  const std::string predictions = testing::read_text_file(dir_ / "cal" / "predictions.csv");
  EXPECT_EQ(
      predictions.rfind("utterance_id,path,corpus,speaker,label,predicted,confidence,correct,", 0),
      0u);
  EXPECT_EQ(std::count(predictions.begin(), predictions.end(), '\n'),
            1 + cal["clips"].get<std::int64_t>());

  const fs::path clip = dir_ / "clip.wav";
  testing::write_tone_wav(clip, 900, 1.0);
  ASSERT_EQ(calmspace("predict " + clip.string() + " --model " + run.string() + " --out " +
                          (dir_ / "p_raw.json").string(),
                      &out),
            0)
      << out;
  ASSERT_EQ(calmspace("predict " + clip.string() + " --model " + calibrated.string(), &out), 0)
      << out;
  EXPECT_THAT(out, HasSubstr("about 3 times in 10 (guessing would manage 1 in 3)"));
  ASSERT_EQ(calmspace("predict " + clip.string() + " --model " + calibrated.string() + " --out " +
                          (dir_ / "p_cal.json").string(),
                      &out),
            0)
      << out;
  const auto a = read_json(dir_ / "p_raw.json")["predictions"][0];
  const auto b = read_json(dir_ / "p_cal.json")["predictions"][0];
  EXPECT_EQ(a["predicted"], b["predicted"]);
  // log p_c - log p_d scales by 1 / T.
  const auto log_ratio = [](const nlohmann::json& p) {
    return std::log(p["probabilities"]["high"].get<double>() /
                    p["probabilities"]["low"].get<double>());
  };
  EXPECT_NEAR(log_ratio(b), log_ratio(a) / T, 1e-4 * (1 + std::abs(log_ratio(a))));

  // Never over the model itself, nor over a file without --overwrite.
  EXPECT_EQ(calmspace("calibrate " + calibrated.string() + " --data " + data_.string() + " --out " +
                          calibrated.string() + " --overwrite",
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("is the model being calibrated"));
  EXPECT_EQ(calmspace("calibrate " + run.string() + " --data " + data_.string() + " --out " +
                          calibrated.string(),
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("already exists"));

  ASSERT_EQ(calmspace("cv --data " + data_.string() + " --out " + (dir_ / "cv").string() + kTiny +
                          " train.epochs=1",
                      &out),
            0)
      << out;
  ASSERT_EQ(calmspace("calibrate " + run.string() + " --data " + data_.string() + " --cv " +
                          (dir_ / "cv").string() + " --folds 1,2 --out " +
                          (dir_ / "recipe.safetensors").string(),
                      &out),
            0)
      << out;
  EXPECT_THAT(
      out, HasSubstr("fitted on 48 clips (test split of " + data_.string() + ", 2 fold models)"));
  EXPECT_EQ(calmspace("calibrate " + run.string() + " --data " + data_.string() + " --cv " +
                          (dir_ / "cv").string() + " --folds 7 --out " + (dir_ / "x.h5").string(),
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("has no fold_7"));
}

// An ensemble cross-validation killed part-way (fold 2 never started, fold 1's second member
// lost) resumes to the same per-fold results; finished members are not trained again. The
// ensemble's run directory predicts, and export asks for one member.
TEST_F(TrainCli, EnsembleCrossValidationResumesAndPredicts) {
  std::string out;
  const fs::path whole = dir_ / "whole", broken = dir_ / "broken";
  ASSERT_EQ(calmspace("cv --data " + data_.string() + " --out " + whole.string() + kTiny +
                          " train.epochs=2 train.ensemble=2",
                      &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("(ensemble of 2)"));
  const auto expected = read_json(whole / "cv.json");
  EXPECT_EQ(expected["folds"][0]["ensemble"], 2);
  fs::copy(whole, broken, fs::copy_options::recursive);
  fs::remove(broken / "cv.json");
  fs::remove_all(broken / "fold_2");
  fs::remove_all(broken / "fold_1" / "member_1");
  const fs::path kept = broken / "fold_0" / "member_1" / "checkpoints" / "best.h5";
  const auto kept_time = fs::last_write_time(kept);
  ASSERT_EQ(calmspace("cv --resume " + broken.string() + " --data " + data_.string(), &out), 0)
      << out;
  EXPECT_EQ(fs::last_write_time(kept), kept_time);
  const auto resumed = read_json(broken / "cv.json");
  EXPECT_EQ(resumed["ua"]["per_fold"], expected["ua"]["per_fold"]);
  EXPECT_EQ(resumed["wa"]["per_fold"], expected["wa"]["per_fold"]);

  const fs::path wav = dir_ / "tone.wav";
  testing::write_tone_wav(wav, 900, 2.0);
  ASSERT_EQ(calmspace("predict " + wav.string() + " --model " + (whole / "fold_0").string() +
                          " --out " + (dir_ / "p.json").string(),
                      &out),
            0)
      << out;
  EXPECT_EQ(read_json(dir_ / "p.json")["predictions"][0]["probabilities"].size(), 3u);
  EXPECT_EQ(calmspace("export " + (whole / "fold_0").string() + " --format safetensors --out " +
                          (dir_ / "e.safetensors").string(),
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("is an ensemble; give one of its members"));
  EXPECT_EQ(calmspace("cv --data " + data_.string(), &out), 1);
  EXPECT_THAT(out, HasSubstr("give exactly one of --out DIR or --resume DIR"));
}

// train.validation=false: the validation fold trains too and the last epoch is kept, alone and
// as an ensemble, whose cv.json then has no validation UA to report.
TEST_F(TrainCli, TrainingWithoutValidationKeepsTheLastEpoch) {
  std::string out;
  ASSERT_EQ(calmspace("train --data " + data_.string() + " --out " + (dir_ / "r").string() + kTiny +
                          " train.epochs=2 train.validation=false --no-plots",
                      &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("test fold 0, no validation fold"));
  EXPECT_THAT(out, HasSubstr("no validation split"));
  EXPECT_THAT(out, HasSubstr("kept the last epoch, 2 (no validation split)"));
  EXPECT_TRUE(fs::exists(dir_ / "r" / "report.json"));
  EXPECT_EQ(calmspace("eval " + (dir_ / "r").string() + " --data " + data_.string() +
                          " --split valid --no-plots",
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("--split: the 'valid' split of " + data_.string() + " has no clips"));
  EXPECT_FALSE(fs::exists(dir_ / "r" / "eval_valid"));
  ASSERT_EQ(calmspace("cv --data " + data_.string() + " --out " + (dir_ / "cv").string() + kTiny +
                          " train.epochs=2 train.ensemble=2 train.validation=false",
                      &out),
            0)
      << out;
  const auto cv = read_json(dir_ / "cv" / "cv.json");
  ASSERT_EQ(cv["folds"].size(), 3u);
  for (const auto& fold : cv["folds"]) {
    EXPECT_TRUE(fold["best_valid_ua"].is_null());
    EXPECT_EQ(fold["report"]["clips"], 24);
  }
  EXPECT_EQ(
      calmspace("train --data " + data_.string() + " --out " + (dir_ / "bad").string() + kTiny +
                    " train.ensemble=2 train.ensemble_rotate_valid=true"
                    " train.validation=false",
                &out),
      1);
  EXPECT_THAT(out, HasSubstr("train.ensemble_rotate_valid: needs validation folds to rotate"));
}

TEST_F(TrainCli, AnExistingRunIsNeverOverwrittenUnlessAskedAndAFailedStartLeavesNothing) {
  std::string out;
  const fs::path run = dir_ / "run";
  const std::string tiny = std::string(kTiny) + " train.epochs=1";
  ASSERT_EQ(calmspace("train --data " + data_.string() + " --out " + run.string() + tiny, &out), 0)
      << out;
  const std::string before = testing::read_text_file(run / "report.json");
  EXPECT_EQ(calmspace("train --data " + data_.string() + " --out " + run.string() + tiny +
                          " train.seed=9",
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr(run.string() + ": already exists and is not empty"));
  EXPECT_EQ(testing::read_text_file(run / "report.json"), before);
  ASSERT_EQ(calmspace("train --data " + data_.string() + " --out " + run.string() + tiny +
                          " train.seed=9 --overwrite",
                      &out),
            0)
      << out;
  EXPECT_THAT(testing::read_text_file(run / "config.yaml"), HasSubstr("seed: 9"));
  // A learning rate no recipe means is refused before anything starts (issue 20), and no run
  // folder is left.
  const fs::path failed = dir_ / "diverged";
  EXPECT_EQ(calmspace("train --data " + data_.string() + " --out " + failed.string() + tiny +
                          " train.lr=1e30",
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("train.lr: 1e+30 is above the limit of 10"));
  EXPECT_FALSE(fs::exists(failed));
  // data.folds that disagree with the folds stored in the file are an error, not ignored.
  EXPECT_EQ(calmspace("train --data " + data_.string() + " --out " + (dir_ / "f").string() + tiny +
                          " data.folds=[[s0,s1,s2],[s3],[s4,s5]]",
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("data.folds: puts speaker 's2' in fold 0 but"));
  EXPECT_FALSE(fs::exists(dir_ / "f"));
}

TEST_F(TrainCli, ExportTakesTheFormatFromTheFileNameAndRefusesAMismatch) {
  std::string out;
  const fs::path run = dir_ / "run";
  ASSERT_NO_FATAL_FAILURE(train_one_epoch(run));
  const fs::path onnx = dir_ / "m.onnx";
  ASSERT_EQ(calmspace("export " + run.string() + " --out " + onnx.string(), &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("as onnx"));
  EXPECT_EQ(testing::read_text_file(onnx).at(0), '\x08');  // ONNX: ir_version, protobuf field 1
  EXPECT_EQ(calmspace("export " + run.string() + " --format safetensors --out " +
                          (dir_ / "w.onnx").string(),
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("is named as onnx but --format is safetensors"));
  EXPECT_FALSE(fs::exists(dir_ / "w.onnx"));
}

TEST_F(TrainCli, TrainArgumentErrorsAreOneLine) {
  std::string out;
  EXPECT_EQ(calmspace("train --data " + data_.string(), &out), 1);
  EXPECT_THAT(out, HasSubstr("give exactly one of --out RUN_DIR or --resume RUN_DIR"));
  EXPECT_EQ(calmspace("train --data " + (dir_ / "none.h5").string() + " --out x", &out), 1);
  EXPECT_THAT(out, HasSubstr((dir_ / "none.h5").string()));
  EXPECT_EQ(calmspace("train --data " + data_.string() + " --out " + (dir_ / "r").string() +
                          " model.cell=transformer",
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("model.cell: 'transformer' is not one of"));
}

TEST_F(TrainCli, InitFineTunesFromATrainedModelWithTheLowerLayersFrozen) {
  // A model folder whose name YAML would misread unquoted ('#', ': ', a quote).
  const fs::path base = dir_ / "base #1: it's";
  std::string out;
  ASSERT_EQ(calmspace("train --data " + data_.string() + " --out \"" + base.string() + "\"" +
                          kTiny + " train.epochs=1 --no-plots",
                      &out),
            0)
      << out;
  const fs::path tuned = dir_ / "tuned";
  ASSERT_EQ(calmspace("train --init \"" + base.string() + "\" --data " + data_.string() +
                          " --out " + tuned.string() +
                          " train.trainable=head train.epochs=1 train.num_threads=1 --no-plots",
                      &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("fine-tuning " + base.string() + " (trainable: head"));
  EXPECT_EQ(read_json(tuned / "report.json")["init"], base.string());
  // train.trainable without a model is refused before anything is written.
  ASSERT_NE(calmspace("train --data " + data_.string() + " --out " + (dir_ / "no").string() +
                          kTiny + " train.trainable=head",
                      &out),
            0);
  EXPECT_THAT(out, HasSubstr("train.init"));
  EXPECT_FALSE(fs::exists(dir_ / "no"));
}

// `calmspace sweep` (tools/cmd_sweep.cpp): each point equals its own `cv` run, points are ranked
// by validation UA, a bad value stops the sweep before anything is written, and a killed sweep
// resumes to the same results. Two epochs a run: a point costs seconds.
const char* kSweepEpochs = " train.epochs=2";

TEST_F(TrainCli, SweepEachPointEqualsItsOwnCrossValidationAndPointsAreRankedByValidationUa) {
  std::string out;
  const fs::path sweep = dir_ / "sweep";
  ASSERT_EQ(calmspace("sweep --data " + data_.string() + " --out " + sweep.string() + kTiny +
                          kSweepEpochs + " model.pooling=mean,attention",
                      &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("sweep of 2 points"));
  EXPECT_THAT(out, HasSubstr("best by validation UA: point_"));
  const auto s = read_json(sweep / "sweep.json");
  ASSERT_EQ(s["points"].size(), 2u);
  EXPECT_EQ(s["points"][0]["overrides"][0], "model.pooling=mean");
  EXPECT_EQ(s["points"][1]["overrides"][0], "model.pooling=attention");
  EXPECT_EQ(s["ranked_by"], "mean validation UA over folds");
  const double v0 = s["points"][0]["valid_ua"].get<double>();
  const double v1 = s["points"][1]["valid_ua"].get<double>();
  EXPECT_EQ(s["best"], v1 > v0 ? "point_1" : "point_0");
  // Point 1 is exactly `cv` with its override: the same folds, seeds and scores.
  ASSERT_EQ(calmspace("cv --data " + data_.string() + " --out " + (dir_ / "cv12").string() + kTiny +
                          kSweepEpochs + " model.pooling=attention",
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
                          kSweepEpochs + " model.pooling=mean,attention",
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("holds a sweep already"));
}

TEST_F(TrainCli, SweepABadValueInAnyPointStopsTheSweepBeforeItWritesAnything) {
  std::string out;
  const fs::path sweep = dir_ / "bad";
  EXPECT_EQ(calmspace("sweep --data " + data_.string() + " --out " + sweep.string() + kTiny +
                          kSweepEpochs + " model.pooling=mean,banana",
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("banana"));
  EXPECT_FALSE(fs::exists(sweep));
  // A point the dataset cannot cross-validate (one corpus: one corpus fold) is refused before
  // the first point trains.
  EXPECT_EQ(calmspace("sweep --data " + data_.string() + " --out " + sweep.string() + kTiny +
                          kSweepEpochs + " data.fold_by=speaker,corpus",
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("fewer than 2 folds"));
  EXPECT_FALSE(fs::exists(sweep));
  // A key given once and also swept is ambiguous.
  EXPECT_EQ(calmspace("sweep --data " + data_.string() + " --out " + sweep.string() + kTiny +
                          kSweepEpochs + " model.cell=gru,lstm",
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("also swept"));
  EXPECT_FALSE(fs::exists(sweep));
  EXPECT_EQ(calmspace("sweep --data " + data_.string() + " --out " + sweep.string() + kTiny, &out),
            1);
  EXPECT_THAT(out, HasSubstr("nothing to sweep"));
  EXPECT_FALSE(fs::exists(sweep));
}

TEST_F(TrainCli, SweepWithoutValidationFoldsNothingIsRanked) {
  std::string out;
  const fs::path sweep = dir_ / "noval";
  ASSERT_EQ(calmspace("sweep --data " + data_.string() + " --out " + sweep.string() + kTiny +
                          kSweepEpochs + " train.validation=false train.weight_decay=0,0.01",
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
TEST_F(TrainCli, SweepAKilledSweepResumesToTheSameResults) {
  std::string out;
  const fs::path whole = dir_ / "whole", broken = dir_ / "broken";
  ASSERT_EQ(calmspace("sweep --data " + data_.string() + " --out " + whole.string() + kTiny +
                          kSweepEpochs + " train.weight_decay=0,0.01,0.1",
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
                          " train.weight_decay=0.1,0.2",
                      &out),
            1);
  EXPECT_THAT(out, HasSubstr("keeps its stored points"));
}

}  // namespace
}  // namespace calmspace
