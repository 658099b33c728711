// Ensembles (core/train/ensemble.h) on the tone corpus: members are ordinary runs with
// consecutive seeds, the ensemble's evaluation and predictions average the members' logits, an
// interrupted ensemble resumes to the same report, and broken ensembles are clear errors.
#include "core/train/ensemble.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/audio/decode.h"
#include "core/eval/evaluate.h"
#include "core/export/model_file.h"
#include "core/predict/predictor.h"
#include "core/run/checkpoint.h"
#include "core/run/run_dir.h"
#include "support/test_support.h"
#include "train/tiny_training.h"

namespace calmspace {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

Config ensemble_config(int members) {
  Config c = testing::tiny_config(2);  // short: members still disagree on some clips
  c.train.ensemble = members;
  return c;
}

class Ensemble : public ::testing::Test {
 protected:
  void SetUp() override {
    data_path_ = (dir_ / "tones.h5").string();
    testing::write_tone_dataset(data_path_);
  }
  std::string run(const std::string& name) const { return (dir_ / name).string(); }
  testing::ScratchDir dir_;
  std::string data_path_;
};

TEST_F(Ensemble, MembersAreOrdinaryRunsWithConsecutiveSeeds) {
  const DatasetFile data(data_path_);
  const TrainOutcome out = train_model(data, ensemble_config(2), run("ens"), false);
  EXPECT_EQ(out.ensemble, 2);
  for (const char* f : {"config.yaml", "report.json", "report.csv", "member_0/checkpoints/best.h5",
                        "member_1/checkpoints/best.h5"})
    EXPECT_TRUE(fs::exists(fs::path(run("ens")) / f)) << f;
  EXPECT_FALSE(fs::exists(fs::path(run("ens")) / "member_2"));
  // Member 1 is exactly a plain run with seed + 1.
  Config second = testing::tiny_config(2);
  second.train.seed = 6;
  const TrainOutcome alone = train_model(data, second, run("alone"), false);
  const Checkpoint member = load_checkpoint(run("ens") + "/member_1/checkpoints/best.h5");
  EXPECT_EQ(member.config().train.seed, 6u);
  EXPECT_EQ(member.config().train.ensemble, 1);
  EXPECT_EQ(member.weights, load_checkpoint(run("alone") + "/checkpoints/best.h5").weights);
  EXPECT_TRUE(RunDir(run("ens")).is_ensemble());
  EXPECT_FALSE(RunDir(run("alone")).is_ensemble());
}

TEST_F(Ensemble, EvaluationAveragesTheMembersLogits) {
  const DatasetFile data(data_path_);
  const TrainOutcome out = train_model(data, ensemble_config(3), run("ens"), false);
  const std::vector<Checkpoint> members = load_model_members(run("ens"));
  ASSERT_EQ(members.size(), 3u);
  const Evaluation together = evaluate_checkpoints(data, members, "test", 1);
  std::vector<Evaluation> each;
  for (const Checkpoint& m : members) each.push_back(evaluate_checkpoint(data, m, "test", 1));
  ASSERT_EQ(together.logits.size(), each[0].logits.size());
  for (std::size_t i = 0; i < together.logits.size(); ++i) {
    const double mean = (each[0].logits[i] + each[1].logits[i] + each[2].logits[i]) / 3.0;
    ASSERT_NEAR(together.logits[i], mean, 1e-5) << i;
  }
  // The report is the ensemble's, and the average of the members is not one of the members.
  EXPECT_EQ(out.test.ua, together.metrics.ua);
  EXPECT_EQ(out.test.clips, 24);
  EXPECT_NE(together.logits, each[0].logits);
}

TEST_F(Ensemble, PredictorAveragesLogitsForClipsAndTimelines) {
  const DatasetFile data(data_path_);
  train_model(data, ensemble_config(2), run("ens"), false);
  const std::vector<Checkpoint> members = load_model_members(run("ens"));
  Predictor ensemble(members, 1);
  Predictor first(members[0], 1), second(members[1], 1);
  EXPECT_EQ(ensemble.num_members(), 2);
  const auto wav = dir_ / "long.wav";
  testing::write_tone_wav(wav, 900, 6.0);
  const Audio audio = load_audio(wav.string(), ensemble.config().audio);
  const TimelineOptions timeline{2.0, 1.0, 4.0};
  const Prediction p = ensemble.predict(audio.samples, timeline);
  const Prediction a = first.predict(audio.samples, timeline);
  const Prediction b = second.predict(audio.samples, timeline);
  // softmax(mean logits) = normalised geometric mean of the members' probabilities.
  auto geometric = [](const std::vector<float>& pa, const std::vector<float>& pb) {
    std::vector<double> g(pa.size());
    double sum = 0;
    for (std::size_t c = 0; c < pa.size(); ++c) sum += g[c] = std::sqrt(double(pa[c]) * pb[c]);
    for (double& v : g) v /= sum;
    return g;
  };
  const auto whole = geometric(a.probabilities, b.probabilities);
  for (std::size_t c = 0; c < whole.size(); ++c) EXPECT_NEAR(p.probabilities[c], whole[c], 1e-5);
  ASSERT_EQ(p.timeline.size(), a.timeline.size());
  ASSERT_GE(p.timeline.size(), 4u);
  for (std::size_t w = 0; w < p.timeline.size(); ++w) {
    const auto g = geometric(a.timeline[w].probabilities, b.timeline[w].probabilities);
    for (std::size_t c = 0; c < g.size(); ++c)
      EXPECT_NEAR(p.timeline[w].probabilities[c], g[c], 1e-5) << "window " << w;
  }
}

TEST_F(Ensemble, ResumeFinishesTheMembersAKillLeft) {
  const DatasetFile data(data_path_);
  const TrainOutcome whole = train_model(data, ensemble_config(2), run("whole"), false);
  // Killed after member 0 finished, before member 1 started: member 0 is kept as it is.
  const std::string broken = run("broken");
  fs::create_directories(broken);
  testing::write_file(fs::path(broken) / "config.yaml", [] {
    Config c = ensemble_config(2);
    return c.to_yaml();
  }());
  train_model(data, ensemble_member_config(ensemble_config(2), 0, data), broken + "/member_0",
              false);
  const auto member0_time = fs::last_write_time(broken + "/member_0/report.json");
  const TrainOutcome resumed = train_model(data, testing::tiny_config(1), broken, true);
  EXPECT_EQ(fs::last_write_time(broken + "/member_0/report.json"), member0_time);
  EXPECT_EQ(resumed.ensemble, 2);
  EXPECT_EQ(resumed.test.ua, whole.test.ua);
  EXPECT_EQ(resumed.test.confusion, whole.test.confusion);
  // Killed before any member started: only config.yaml.
  const std::string early = run("early");
  fs::create_directories(early);
  testing::write_file(fs::path(early) / "config.yaml", [] {
    Config c = ensemble_config(2);
    return c.to_yaml();
  }());
  EXPECT_EQ(train_model(data, testing::tiny_config(1), early, true).test.ua, whole.test.ua);
}

TEST_F(Ensemble, RotatedMembersValidateOnEveryFoldButTheTestFold) {
  const DatasetFile data(data_path_);  // three folds
  Config config = ensemble_config(3);
  config.train.test_fold = 1;
  config.train.ensemble_rotate_valid = true;
  const TrainOutcome out = train_model(data, config, run("rot"), false);
  std::vector<int> valid;
  double mean_valid_ua = 0;
  for (int k = 0; k < 3; ++k) {
    const Checkpoint m =
        load_checkpoint(run("rot") + "/member_" + std::to_string(k) + "/checkpoints/best.h5");
    EXPECT_EQ(m.config().train.test_fold, 1);
    EXPECT_FALSE(m.config().train.ensemble_rotate_valid);
    valid.push_back(m.config().train.valid_fold);
    mean_valid_ua += m.state.best_valid_ua / 3;
  }
  EXPECT_EQ(valid, (std::vector<int>{2, 0, 2}));  // from fold 2 on, fold 1 skipped, cyclic
  EXPECT_NEAR(out.best_valid_ua, mean_valid_ua, 1e-12);
  EXPECT_EQ(out.test.clips, 24);
  // Members have no common validation split to evaluate the ensemble on.
  const std::vector<Checkpoint> members = load_model_members(run("rot"));
  EXPECT_THROW(evaluate_checkpoints(data, members, "valid", 1), InputError);
  EXPECT_EQ(evaluate_checkpoints(data, members, "test", 1).metrics.ua, out.test.ua);
}

TEST_F(Ensemble, IncompleteOrMisusedEnsemblesAreInputErrors) {
  const DatasetFile data(data_path_);
  train_model(data, ensemble_config(2), run("ens"), false);
  try {
    load_model_checkpoint(run("ens"));
    FAIL() << "an ensemble is not one checkpoint";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("is an ensemble"));
    EXPECT_THAT(e.what(), HasSubstr("member_0"));
  }
  fs::remove_all(run("ens") + "/member_1");
  try {
    load_model_members(run("ens"));
    FAIL() << "member 1 is missing";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("member 1 of 2"));
  }
  Config bad = ensemble_config(0);
  EXPECT_THROW(bad.validate(), InputError);
  bad.train.ensemble = kMaxEnsemble + 1;
  EXPECT_THROW(bad.validate(), InputError);
}

}  // namespace
}  // namespace calmspace
