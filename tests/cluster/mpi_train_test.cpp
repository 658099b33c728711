// `mpirun -np N calmspace train` (core/train/data_parallel_step.h): data-parallel training of one
// model over 2 and 3 ranks follows the one-process run epoch by epoch, up to the order of float
// summation, with dropout and class weights on; a run started by one process resumes on two; and
// the root records how the ranks spent each epoch. Skips with the reason when there is no MPI.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>

#include "cluster/mpi_launch.h"
#include "core/dataset/dataset_file.h"
#include "core/run/checkpoint.h"
#include "core/train/trainer.h"
#include "support/test_support.h"
#include "train/tiny_training.h"

namespace calmspace::testing {
namespace {

namespace fs = std::filesystem;

// tiny_config() with two layers (dropout between them) and class weights, as overrides.
const std::string kRecipe =
    "features.n_mels=16 model.cell=gru model.hidden_size=12 model.num_layers=2 "
    "model.dropout=0.3 model.bidirectional=true train.epochs=4 train.batch_size=8 train.lr=0.02 "
    "train.warmup_epochs=0 train.min_lr=0.001 train.patience=0 train.seed=5 train.num_threads=1 "
    "train.class_weights=true augment.time_masks=1 augment.time_mask_frames=5 augment.gain_db=3";

Config recipe_config() {
  Config c = tiny_config(4);
  c.model.num_layers = 2;
  c.model.dropout = 0.3;
  c.train.class_weights = true;
  return c;
}

// The ranks sum their shares' gradients in another order than one process sums the batch:
// float rounding, about 1e-7 relative per step (3e-8 seen on this test), may grow over epochs.
// 1e-4 relative allows that and still catches a wrong share, scale or mask (>= 1e-2).
void expect_same_training(const fs::path& run, const fs::path& reference) {
  const auto got = epochs_of(run), want = epochs_of(reference);
  ASSERT_EQ(got.size(), want.size()) << run;
  ASSERT_FALSE(want.empty());
  for (std::size_t e = 0; e < want.size(); ++e) {
    SCOPED_TRACE(cat(run.filename().string(), " epoch ", e + 1));
    for (const char* key : {"lr", "train_loss", "valid_loss", "grad_norm"}) {
      const double a = got[e][key].get<double>(), b = want[e][key].get<double>();
      EXPECT_NEAR(a, b, 1e-4 * std::abs(b)) << key;
    }
    // A clip whose two best classes tie to 1e-7 could flip: allow one clip (24 per split).
    for (const char* key : {"train_accuracy", "valid_ua"})
      EXPECT_NEAR(got[e][key].get<double>(), want[e][key].get<double>(), 1.0 / 24 + 1e-12) << key;
  }
}

class MpiTrain : public MpiTest {
 protected:
  void train(int ranks, const std::string& name, const std::string& extra = "") {
    std::string output;
    ASSERT_EQ(run_calmspace(ranks,
                            cat("train --data ", data_, " --out ", (dir_ / name).string(),
                                " --no-plots ", kRecipe, " ", extra),
                            &output),
              0)
        << output;
  }
};

// Without waveform augmentation each rank reads the clean features of only its share of every
// batch (nothing cached), of the statistics pass and of the validation clips; with speaker-level
// normalisation every rank reads the whole split. Both follow one process.
TEST_F(MpiTrain, RanksReadingOnlyTheirSharesFollowTheOneProcessRun) {
  for (const std::string extra :
       {"augment.gain_db=0", "augment.gain_db=0 features.cmvn=none features.speaker_norm=mean"}) {
    SCOPED_TRACE(extra);
    const std::string name = extra.find("speaker") == std::string::npos ? "clean" : "speaker";
    train(1, name + "_one", extra);
    train(3, name + "_three", extra);
    expect_same_training(dir_ / (name + "_three"), dir_ / (name + "_one"));
  }
}

TEST_F(MpiTrain, TwoAndThreeRanksFollowTheOneProcessRun) {
  train(1, "one");
  train(2, "two");
  train(3, "three");
  expect_same_training(dir_ / "two", dir_ / "one");
  expect_same_training(dir_ / "three", dir_ / "one");
  EXPECT_FALSE(fs::exists(dir_ / "one" / "data_parallel.json"));

  const auto log = nlohmann::json::parse(read_text_file(dir_ / "three" / "data_parallel.json"));
  EXPECT_EQ(log["ranks"], 3);
  ASSERT_EQ(log["epochs"].size(), 4u);
  for (const auto& e : log["epochs"]) {
    EXPECT_GT(e["steps"].get<int>(), 0);
    // Every step computes and reduces: both clocks ran; waiting may be zero.
    for (const char* key : {"compute_seconds", "allreduce_seconds"})
      EXPECT_GT(e[key]["mean"].get<double>(), 0.0) << key;
    EXPECT_GE(e["wait_seconds"]["mean"].get<double>(), 0.0);
  }
  // The flat buffer: every weight's gradient and four statistics, as float32.
  const Checkpoint best = load_checkpoint((dir_ / "three" / "checkpoints" / "best.h5").string());
  EXPECT_EQ(log["allreduce_bytes_per_step"].get<std::size_t>(), (best.weights.size() + 4) * 4);
}

// Mixup's partners are drawn over the whole batch, so a rank mixes its rows with partners it
// may not hold (it computes their features) and weighs its share by the rows' mixed targets.
TEST_F(MpiTrain, MixupOnThreeRanksFollowsTheOneProcessRun) {
  train(1, "mixup_one", "augment.mixup_alpha=0.4");
  train(3, "mixup_three", "augment.mixup_alpha=0.4");
  expect_same_training(dir_ / "mixup_three", dir_ / "mixup_one");
}

TEST_F(MpiTrain, ARunStartedByOneProcessResumesOnTwoRanks) {
  train(1, "whole");
  const DatasetFile data(data_);
  const fs::path run = dir_ / "broken";
  CrashAfter crash(2);
  EXPECT_THROW(train_model(data, recipe_config(), run.string(), false, &crash), std::runtime_error);
  ASSERT_EQ(epochs_of(run).size(), 2u);
  std::string output;
  ASSERT_EQ(run_calmspace(2, cat("train --resume ", run.string(), " --data ", data_, " --no-plots"),
                          &output),
            0)
      << output;
  expect_same_training(run, dir_ / "whole");
}

}  // namespace
}  // namespace calmspace::testing
