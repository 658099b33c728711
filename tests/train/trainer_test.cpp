// The trainer end to end on a small synthetic corpus: three "emotions" that are tones at
// different pitches in noise, six speakers in three folds. It must learn them, be reproducible
// bit for bit with the same seed, and resume an interrupted run to the same final metrics.
#include "core/train/trainer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/run/checkpoint.h"
#include "support/test_support.h"
#include "train/tiny_training.h"

namespace calmspace {
namespace {

namespace fs = std::filesystem;

using testing::CrashAfter;
using testing::learning_values;
using testing::tiny_config;

class Trainer : public ::testing::Test {
 protected:
  void SetUp() override {
    data_path_ = (dir_ / "tones.h5").string();
    testing::write_tone_dataset(data_path_);
  }
  testing::ScratchDir dir_;
  std::string data_path_;
};

TEST_F(Trainer, LearnsTonesAndWritesTheRunDirectory) {
  const DatasetFile data(data_path_);
  const auto run = (dir_ / "run").string();
  const TrainOutcome out = train_model(data, tiny_config(12), run, false);
  ASSERT_EQ(out.history.size(), 12u);
  EXPECT_LT(out.history.back().train_loss, 0.5 * out.history.front().train_loss);
  EXPECT_GE(out.best_valid_ua, 0.9);
  EXPECT_EQ(out.test.clips, 24);  // fold 0: two speakers x 12 clips
  EXPECT_GE(out.test.ua, 0.9);    // chance is 1/3
  for (const char* f : {"config.yaml", "metrics.jsonl", "metrics.csv", "report.json", "report.csv",
                        "checkpoints/best.h5", "checkpoints/last.h5"})
    EXPECT_TRUE(fs::exists(fs::path(run) / f)) << f;
  std::ifstream jsonl(fs::path(run) / "metrics.jsonl");
  int lines = 0;
  for (std::string line; std::getline(jsonl, line);) ++lines;
  EXPECT_EQ(lines, 12);
  const Checkpoint best = load_checkpoint((fs::path(run) / "checkpoints/best.h5").string());
  EXPECT_EQ(best.state.best_epoch, out.best_epoch);
}

// model.residual and model.layer_norm through the whole trainer: the stack learns, and its
// checkpoint keeps the options and the LayerNorm tensors (moved off their 1 / 0 start).
TEST_F(Trainer, AResidualLayerNormStackLearnsAndItsCheckpointKeepsTheNorms) {
  const DatasetFile data(data_path_);
  Config config = tiny_config(12);
  config.model.num_layers = 2;
  config.model.residual = true;
  config.model.layer_norm = true;
  const auto run = (dir_ / "stack").string();
  const TrainOutcome out = train_model(data, config, run, false);
  EXPECT_GE(out.test.ua, 0.9);  // chance is 1/3
  const Checkpoint last = load_checkpoint((fs::path(run) / "checkpoints/last.h5").string());
  const Config saved = last.config();
  EXPECT_TRUE(saved.model.residual);
  EXPECT_TRUE(saved.model.layer_norm);
  int norms = 0;
  for (const ParamView& p : last.layout) {
    if (p.name.rfind("norm.", 0) != 0) continue;
    ++norms;
    const float start = p.name.ends_with(".weight") ? 1.0f : 0.0f;
    float moved = 0;
    for (std::int64_t i = p.offset; i < p.offset + p.size; ++i)
      moved = std::max(moved, std::abs(last.weights[static_cast<std::size_t>(i)] - start));
    EXPECT_GT(moved, 1e-3f) << p.name << " never trained";
  }
  EXPECT_EQ(norms, 4);
}

// The convolutional front-end through the whole trainer (time stride 2, GELU): it learns, and
// its checkpoint keeps the options and the trained front-end tensors.
TEST_F(Trainer, AConvFrontendLearnsAndItsCheckpointKeepsIt) {
  const DatasetFile data(data_path_);
  Config config = tiny_config(12);
  config.model.frontend = FrontendKind::Conv;
  config.model.conv_channels = 4;
  config.model.conv_stride_time = 2;
  config.model.conv_activation = ActivationKind::Gelu;
  const auto run = (dir_ / "conv").string();
  const TrainOutcome out = train_model(data, config, run, false);
  EXPECT_GE(out.test.ua, 0.9);  // chance is 1/3
  const Checkpoint last = load_checkpoint((fs::path(run) / "checkpoints/last.h5").string());
  const Config saved = last.config();
  EXPECT_TRUE(saved.model.has_conv_frontend());
  EXPECT_EQ(saved.model.conv_stride_time, 2);
  EXPECT_EQ(saved.model.conv_activation, ActivationKind::Gelu);
  int tensors = 0;
  for (const ParamView& p : last.layout) {
    if (p.name.rfind("frontend.", 0) != 0) continue;
    ++tensors;
    if (p.name.find(".norm.") == std::string::npos) continue;
    const float start = p.name.ends_with(".weight") ? 1.0f : 0.0f;
    float moved = 0;
    for (std::int64_t i = p.offset; i < p.offset + p.size; ++i)
      moved = std::max(moved, std::abs(last.weights[static_cast<std::size_t>(i)] - start));
    EXPECT_GT(moved, 1e-3f) << p.name << " never trained";
  }
  EXPECT_EQ(tensors, 8);  // 2 blocks x (conv weight, bias, norm weight, bias)
}

// augment.mixup_alpha through the whole trainer: it still learns the tones, is reproducible with
// its seed, trains otherwise than without mixup, and is kept in the checkpoint's config.
TEST_F(Trainer, MixupLearnsReproduciblyAndOtherwiseThanWithout) {
  const DatasetFile data(data_path_);
  Config config = tiny_config(12);
  config.augment.mixup_alpha = 0.4;
  const auto run = (dir_ / "mixup").string();
  const TrainOutcome a = train_model(data, config, run, false);
  EXPECT_GE(a.test.ua, 0.9);  // chance is 1/3
  const TrainOutcome b = train_model(data, config, (dir_ / "again").string(), false);
  EXPECT_EQ(learning_values(a.history), learning_values(b.history));
  const TrainOutcome plain = train_model(data, tiny_config(12), (dir_ / "plain").string(), false);
  EXPECT_NE(learning_values(a.history), learning_values(plain.history));
  // Soft targets: the loss cannot fall to zero (a row of lambda < 1 keeps its entropy), so the
  // mixed run's last training loss stays above the plain run's.
  EXPECT_GT(a.history.back().train_loss, plain.history.back().train_loss);
  const Checkpoint last = load_checkpoint((fs::path(run) / "checkpoints/last.h5").string());
  EXPECT_EQ(last.config().augment.mixup_alpha, 0.4);
}

TEST_F(Trainer, SameSeedGivesIdenticalMetricsAndAnotherSeedDoesNot) {
  const DatasetFile data(data_path_);
  const auto a = train_model(data, tiny_config(3), (dir_ / "a").string(), false);
  const auto b = train_model(data, tiny_config(3), (dir_ / "b").string(), false);
  EXPECT_EQ(learning_values(a.history), learning_values(b.history));
  Config other = tiny_config(3);
  other.train.seed = 6;
  const auto c = train_model(data, other, (dir_ / "c").string(), false);
  EXPECT_NE(learning_values(a.history), learning_values(c.history));
}

TEST_F(Trainer, WithoutValidationItTrainsOnTheValidationFoldTooAndKeepsTheLastEpoch) {
  const DatasetFile data(data_path_);
  Config config = tiny_config(6);
  config.train.validation = false;
  config.train.patience = 2;  // nothing to be patient about: all epochs run
  const auto run = fs::path(dir_ / "no_valid");
  const TrainOutcome out = train_model(data, config, run.string(), false);
  ASSERT_EQ(out.history.size(), 6u);
  EXPECT_EQ(out.best_epoch, 6);
  EXPECT_TRUE(std::isnan(out.best_valid_ua));
  for (const auto& r : out.history) EXPECT_TRUE(std::isnan(r.valid_ua));
  EXPECT_EQ(out.test.clips, 24);
  EXPECT_GE(out.test.ua, 0.9);  // chance is 1/3
  const Checkpoint best = load_checkpoint((run / "checkpoints/best.h5").string());
  const Checkpoint last = load_checkpoint((run / "checkpoints/last.h5").string());
  EXPECT_EQ(best.weights, last.weights);
  EXPECT_EQ(best.state.best_epoch, 6);
}

TEST_F(Trainer, ResumedRunEndsWhereAnUninterruptedOneDoes) {
  const DatasetFile data(data_path_);
  const auto whole = train_model(data, tiny_config(5), (dir_ / "whole").string(), false);
  const auto run = (dir_ / "broken").string();
  CrashAfter crash(2);
  EXPECT_THROW(train_model(data, tiny_config(5), run, false, &crash), std::runtime_error);
  const auto resumed =
      train_model(data, tiny_config(1), run, /*resume=*/true);  // stored config wins
  ASSERT_EQ(resumed.history.size(), 5u);
  EXPECT_EQ(learning_values(resumed.history), learning_values(whole.history));
  EXPECT_EQ(resumed.test.ua, whole.test.ua);
  EXPECT_EQ(resumed.best_epoch, whole.best_epoch);
}

TEST_F(Trainer, ResumeWithoutACheckpointAndBadFoldsAreInputErrors) {
  const DatasetFile data(data_path_);
  EXPECT_THROW(train_model(data, tiny_config(1), (dir_ / "none").string(), true), InputError);
  Config bad = tiny_config(1);
  bad.train.test_fold = 7;
  try {
    train_model(data, bad, (dir_ / "bad").string(), false);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("train.test_fold"));
  }
}

}  // namespace
}  // namespace calmspace
