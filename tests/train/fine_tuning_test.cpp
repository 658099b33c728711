// Fine-tuning (train.init, core/train/fine_tuning.h) on the tone dataset: the run starts from the
// trained model's weights, features, architecture and input normalisation; train.trainable keeps
// the lower layers exactly as they were; a dataset whose labels differ is refused with the fix.
#include "core/train/fine_tuning.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/base/error.h"
#include "core/model/sequence_model.h"
#include "core/run/checkpoint.h"
#include "core/train/trainer.h"
#include "support/test_support.h"
#include "train/tiny_training.h"

namespace calmspace {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::tiny_config;

class FineTuning : public ::testing::Test {
 protected:
  void SetUp() override {
    data_path_ = (dir_ / "tones.h5").string();
    testing::write_tone_dataset(data_path_);
    base_run_ = (dir_ / "base").string();
    const DatasetFile data(data_path_);
    train_model(data, tiny_config(10), base_run_, false);
    base_ = load_checkpoint((fs::path(base_run_) / "checkpoints/best.h5").string());
  }
  // A fine-tuning config that asks for another architecture and features, which the base's win.
  Config tuning_config(Trainable trainable, int epochs) const {
    Config c = tiny_config(epochs);
    c.model.hidden_size = 20;
    c.features.n_mels = 24;
    c.train.init = base_run_;
    c.train.trainable = trainable;
    c.train.lr = 0.01;
    return c;
  }
  Checkpoint last_of(const std::string& run) const {
    return load_checkpoint((fs::path(run) / "checkpoints/last.h5").string());
  }

  testing::ScratchDir dir_;
  std::string data_path_, base_run_;
  Checkpoint base_;
};

TEST_F(FineTuning, HeadOnlyKeepsEveryRecurrentWeightAndTheInputNormalisation) {
  const DatasetFile data(data_path_);
  const auto run = (dir_ / "head").string();
  const TrainOutcome out = train_model(data, tuning_config(Trainable::Head, 2), run, false);
  EXPECT_EQ(out.history.size(), 2u);
  const Checkpoint tuned = last_of(run);
  const Config config = tuned.config();
  EXPECT_EQ(config.model.hidden_size, 12);  // the base's architecture and features
  EXPECT_EQ(config.features.n_mels, 16);
  EXPECT_EQ(tuned.norm_mean, base_.norm_mean);
  EXPECT_EQ(tuned.norm_std, base_.norm_std);
  const std::size_t frozen = frozen_weights(config.model, 16, 3, Trainable::Head);
  ASSERT_GT(frozen, 0u);
  ASSERT_LT(frozen, tuned.weights.size());
  EXPECT_TRUE(
      std::equal(base_.weights.begin(), base_.weights.begin() + frozen, tuned.weights.begin()));
  EXPECT_FALSE(std::equal(base_.weights.begin() + frozen, base_.weights.end(),
                          tuned.weights.begin() + frozen));
  const std::string report = testing::read_text_file(fs::path(run) / "report.json");
  EXPECT_THAT(report, HasSubstr("\"init\""));
}

// The offset of the tensor `name` in the flat buffer.
std::size_t offset_of(const ModelOptions& m, const std::string& name) {
  for (const ParamView& p : parameter_layout(m, 10, 4))
    if (p.name == name) return static_cast<std::size_t>(p.offset);
  ADD_FAILURE() << "no tensor " << name;
  return 0;
}

TEST_F(FineTuning, FrozenPrefixesEndWhereTheTrainedTensorsBegin) {
  ModelOptions m;
  m.cell = CellKind::Lstm;
  m.hidden_size = 8;
  m.num_layers = 3;
  m.bidirectional = true;
  m.pooling = PoolingKind::Attention;
  EXPECT_EQ(frozen_weights(m, 10, 4, Trainable::All), 0u);
  // Top: layers 0 and 1, both directions, stay; layer 2 (forward first) trains.
  EXPECT_EQ(frozen_weights(m, 10, 4, Trainable::Top), offset_of(m, "rnn.weight_ih_l2"));
  EXPECT_EQ(offset_of(m, "rnn.weight_ih_l2"),
            offset_of(m, "rnn.bias_hh_l1_reverse") + static_cast<std::size_t>(4 * 8));
  EXPECT_EQ(frozen_weights(m, 10, 4, Trainable::Head), offset_of(m, "pool.attention.weight"));
  m.pooling = PoolingKind::Mean;
  EXPECT_EQ(frozen_weights(m, 10, 4, Trainable::Head), offset_of(m, "head.weight"));
  // One layer: top would freeze nothing, which is not what was asked.
  m.num_layers = 1;
  try {
    frozen_weights(m, 10, 4, Trainable::Top);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "train.trainable");
  }
}

TEST_F(FineTuning, StartsWhereTheBaseModelEnded) {
  // From the base, the first epoch's loss is far below the loss of the same run from scratch.
  const DatasetFile data(data_path_);
  const TrainOutcome tuned =
      train_model(data, tuning_config(Trainable::All, 1), (dir_ / "all").string(), false);
  Config scratch = tiny_config(1);
  scratch.train.lr = 0.01;
  const TrainOutcome fresh = train_model(data, scratch, (dir_ / "fresh").string(), false);
  ASSERT_EQ(tuned.history.size(), 1u);
  ASSERT_EQ(fresh.history.size(), 1u);
  EXPECT_LT(tuned.history[0].train_loss, 0.5 * fresh.history[0].train_loss);
}

TEST_F(FineTuning, OtherLabelsAreRefusedWithTheLabelSetThatWouldFit) {
  Checkpoint renamed = base_;
  renamed.labels = {"grave", "middle", "acute"};
  const auto model = (dir_ / "renamed.h5").string();
  save_checkpoint(model, renamed);
  const DatasetFile data(data_path_);
  Config c = tuning_config(Trainable::All, 1);
  c.train.init = model;
  try {
    train_model(data, c, (dir_ / "mismatch").string(), false);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.reason(), HasSubstr("data.labels=[grave,middle,acute]"));
    EXPECT_THAT(e.reason(), HasSubstr("low mid high"));
  }
  // The same names spelt otherwise are the same labels (the label map's canonical names).
  Checkpoint respelt = base_;
  respelt.labels = {"LOW", "Mid", "high"};
  save_checkpoint(model, respelt);
  EXPECT_EQ(train_model(data, c, (dir_ / "respelt").string(), false).history.size(), 1u);
}

// train.init_mix: best.h5 (the kept model) is init + mix x (trained - init), last.h5 the trained
// weights; the mix changes what is kept, not how the run trains, and survives a resume.
TEST_F(FineTuning, InitMixKeepsTheMixAndTrainsAsWithout) {
  const DatasetFile data(data_path_);
  Config mixed = tuning_config(Trainable::All, 3);
  mixed.train.validation = false;  // best.h5 is the last epoch's model
  mixed.train.init_mix = 0.5;
  const auto run = (dir_ / "mixed").string();
  train_model(data, mixed, run, false);
  const Checkpoint trained = last_of(run);
  const Checkpoint kept = load_checkpoint((fs::path(run) / "checkpoints/best.h5").string());
  ASSERT_EQ(kept.weights.size(), base_.weights.size());
  std::size_t moved = 0;
  for (std::size_t i = 0; i < kept.weights.size(); ++i) {
    const float half = base_.weights[i] + 0.5f * (trained.weights[i] - base_.weights[i]);
    ASSERT_NEAR(kept.weights[i], half, 1e-6f) << "weight " << i;
    moved += trained.weights[i] != base_.weights[i];
  }
  EXPECT_GT(moved, kept.weights.size() / 2);  // the run did train: the mix is not the base
  EXPECT_EQ(kept.config().train.init_mix, 0.5);

  Config plain = mixed;
  plain.train.init_mix = 1;
  const auto plain_run = (dir_ / "plain").string();
  train_model(data, plain, plain_run, false);
  EXPECT_EQ(last_of(plain_run).weights, trained.weights);

  // Killed after epoch 2 and resumed: the same trained and kept weights, mixed towards the init
  // the run kept (checkpoints/init.h5), even though train.init's file has changed since.
  const auto killed = (dir_ / "killed").string();
  testing::CrashAfter crash(2);
  EXPECT_THROW(train_model(data, mixed, killed, false, &crash), std::runtime_error);
  EXPECT_EQ(load_checkpoint((fs::path(killed) / "checkpoints/init.h5").string()).weights,
            base_.weights);
  Checkpoint replaced = base_;
  for (float& w : replaced.weights) w += 0.5f;
  save_checkpoint((fs::path(base_run_) / "checkpoints/best.h5").string(), replaced);
  train_model(data, mixed, killed, true);
  EXPECT_EQ(last_of(killed).weights, trained.weights);
  EXPECT_EQ(load_checkpoint((fs::path(killed) / "checkpoints/best.h5").string()).weights,
            kept.weights);

  // init_mix 0 keeps the base model, bit for bit.
  save_checkpoint((fs::path(base_run_) / "checkpoints/best.h5").string(), base_);
  mixed.train.init_mix = 0;
  const auto none = (dir_ / "none").string();
  train_model(data, mixed, none, false);
  EXPECT_EQ(load_checkpoint((fs::path(none) / "checkpoints/best.h5").string()).weights,
            base_.weights);
}

// With validation, every epoch is scored as the mix: at init_mix 0 that is the base model each
// time, so every epoch's validation loss is the same and best.h5 is the base (scoring the
// trained weights instead would move the loss from epoch to epoch).
TEST_F(FineTuning, ValidationScoresTheMixedModel) {
  const DatasetFile data(data_path_);
  Config c = tuning_config(Trainable::All, 3);
  c.train.validation = true;
  c.train.init_mix = 0;
  const auto run = (dir_ / "validated").string();
  const TrainOutcome out = train_model(data, c, run, false);
  ASSERT_EQ(out.history.size(), 3u);
  for (const EpochRecord& r : out.history) EXPECT_EQ(r.valid_loss, out.history[0].valid_loss);
  EXPECT_EQ(load_checkpoint((fs::path(run) / "checkpoints/best.h5").string()).weights,
            base_.weights);
  EXPECT_NE(last_of(run).weights, base_.weights);  // it trained all the same
}

TEST_F(FineTuning, InitMixIsCheckedAndNeedsAModel) {
  Config c = tiny_config(1);
  c.train.init_mix = 0.5;
  try {
    c.validate();
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "train.init_mix");
    EXPECT_THAT(e.reason(), HasSubstr("train.init"));
  }
  c.train.init = base_run_;
  EXPECT_NO_THROW(c.validate());
  for (const double bad : {-0.1, 1.5}) {
    c.train.init_mix = bad;
    try {
      c.validate();
      FAIL() << bad;
    } catch (const InputError& e) {
      EXPECT_EQ(e.subject(), "train.init_mix");
    }
  }
}

TEST_F(FineTuning, TrainableWithoutAModelIsAConfigError) {
  Config c = tiny_config(1);
  c.train.trainable = Trainable::Head;
  try {
    c.validate();
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "train.trainable");
  }
}

}  // namespace
}  // namespace calmspace
