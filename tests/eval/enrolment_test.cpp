// Voice enrolment's comparison (core/eval/enrolment.h) on the tone dataset with a tiny model
// trained with speaker-level normalisation: the same clips are scored in every condition, the
// enrolment clips are never scored, "all clips" matches the trainer's own speaker normalisation,
// and models or labels it cannot serve are refused.
#include "core/eval/enrolment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/base/error.h"
#include "core/dataset/clip_source.h"
#include "core/dataset/splits.h"
#include "core/eval/evaluate.h"
#include "core/export/model_file.h"
#include "core/run/model_checkpoint.h"
#include "support/test_support.h"
#include "train/tiny_training.h"

namespace calmspace {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class Enrolment : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = (dir_ / "tones.h5").string();
    testing::write_tone_dataset(data_);
    Config c = testing::tiny_config(3);
    c.features.cmvn = Cmvn::None;
    c.features.speaker_norm = Cmvn::Mean;
    const DatasetFile dataset(data_);
    train_model(dataset, c, (dir_ / "spk").string(), false);
    train_model(dataset, testing::tiny_config(1), (dir_ / "plain").string(), false);
  }
  testing::ScratchDir dir_;
  std::string data_;
};

TEST_F(Enrolment, EveryConditionScoresTheSameClipsAndNeverAnEnrolmentClip) {
  const DatasetFile dataset(data_);
  const Checkpoint model = load_model_checkpoint((dir_ / "spk").string());
  const EnrolmentComparison c = compare_enrolment(dataset, model, "spk", "test", "low", {2, 1}, 1);
  ASSERT_EQ(c.conditions.size(), 4u);
  EXPECT_EQ(c.conditions[0].name, "utterance");
  EXPECT_EQ(c.conditions[1].name, "enrol 1");
  EXPECT_EQ(c.conditions[2].name, "enrol 2");
  EXPECT_EQ(c.conditions[3].name, "all clips");
  EXPECT_THAT(c.speakers, ElementsAre("s0", "s1"));  // test fold 0
  // 2 speakers x 12 clips, less 2 "low" enrolment clips each.
  for (const auto& k : c.conditions) EXPECT_EQ(k.metrics.clips, 20) << k.name;
  EXPECT_EQ(c.conditions[0].metrics.per_class[0].support, 4);  // low: 8 - 4 enrolment clips

  // "all clips" is the trainer's speaker normalisation over the whole split.
  Config config = model.config();
  const Splits splits = make_splits(dataset, config.train);
  ClipSource source(dataset, config, splits.test, /*augment=*/false);
  std::vector<FeatureMatrix> features;
  std::vector<int> truth;
  std::vector<int> low_seen(dataset.speaker_names().size(), 0);
  for (std::size_t k = 0; k < splits.test.size(); ++k) {
    const ClipInfo& clip = dataset.clips()[splits.test[k]];
    if (clip.label == 0 && low_seen[clip.speaker]++ < 2) continue;  // an enrolment clip
    features.push_back(source.clean_features()[k]);
    truth.push_back(clip.label);
  }
  auto net = model_from_checkpoint(model);
  const Evaluation e = evaluate_features(*net, features, truth, model.labels, 8);
  EXPECT_EQ(e.metrics.confusion, c.conditions[3].metrics.confusion);
}

TEST_F(Enrolment, ModelsWithoutSpeakerNormalisationAndUnknownLabelsAreRefused) {
  const DatasetFile dataset(data_);
  const Checkpoint plain = load_model_checkpoint((dir_ / "plain").string());
  try {
    compare_enrolment(dataset, plain, "plain", "test", "low", {1}, 1);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.reason(), HasSubstr("speaker_norm"));
  }
  const Checkpoint spk = load_model_checkpoint((dir_ / "spk").string());
  try {
    compare_enrolment(dataset, spk, "spk", "test", "neutral", {1}, 1);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "--label");
  }
  // More enrolment clips than any speaker has: nothing to compare.
  EXPECT_THROW(compare_enrolment(dataset, spk, "spk", "test", "low", {5}, 1), InputError);
}

}  // namespace
}  // namespace calmspace
