// Scoring a model on another corpus (core/eval/evaluate.h): labels matched by name through the
// label map, clips of unknown labels left out and counted, the argmax over the shared classes;
// and the robustness check (core/eval/robustness.h) on a small dataset.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/dataset/dataset_file.h"
#include "core/eval/evaluate.h"
#include "core/eval/robustness.h"
#include "support/model_fixtures.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

// Voice-like clips: 3 speakers x labels x 2, labels in the corpus's own names.
std::string write_other_corpus(const testing::ScratchDir& dir,
                               const std::vector<std::string>& labels) {
  const auto path = (dir / "other.h5").string();
  DatasetHeader h;
  h.corpus = "other";
  h.sample_rate = 16000;
  h.label_names = labels;
  h.speaker_names = {"a", "b", "c"};
  h.speaker_fold = {0, 1, 2};
  h.num_folds = 3;
  DatasetWriter w(path, h);
  std::uint64_t seed = 1;
  for (int s = 0; s < 3; ++s)
    for (int l = 0; l < static_cast<int>(labels.size()); ++l)
      for (int k = 0; k < 2; ++k) {
        ClipInfo c;
        c.label = l;
        c.speaker = s;
        c.fold = s;
        c.utterance_id = cat(s, labels[l], k);
        w.append(c, testing::voice_like(0.6 + 0.1 * k, 16000, seed++));
      }
  w.close();
  return path;
}

TEST(CrossCorpus, ScoresTheSharedClassesAndCountsTheOthers) {
  testing::ScratchDir dir;
  const auto path = write_other_corpus(dir, {"ps", "angry", "boredom"});
  const DatasetFile data(path);
  const Checkpoint model = testing::fixture_checkpoint();  // the eight RAVDESS classes
  const Evaluation e = evaluate_checkpoint(data, model, "auto", 1);
  EXPECT_EQ(e.split, "all");  // another corpus: every clip
  EXPECT_EQ(e.metrics.clips, 12);
  EXPECT_THAT(e.metrics.labels, ElementsAre("angry", "surprised"));
  EXPECT_EQ(e.clips_left_out.at("boredom"), 6);
  EXPECT_EQ(e.classes_left_out.size(), 6u);
  for (int p : e.predicted) EXPECT_TRUE(p == 4 || p == 7) << "argmax over angry, surprised: " << p;
  // The argmax over the shared classes is the larger of those two probabilities.
  for (std::size_t i = 0; i < e.predicted.size(); ++i) {
    const float* row = e.probabilities.data() + i * 8;
    EXPECT_EQ(e.predicted[i], row[4] >= row[7] ? 4 : 7);
  }
  // A label map in the model's config maps a label the built-ins do not know.
  Checkpoint mapped = model;
  Config config = model.config();
  config.data.label_map = {{"boredom", "neutral"}};
  mapped.config_yaml = config.to_yaml();
  const Evaluation m = evaluate_checkpoint(data, mapped, "auto", 1);
  EXPECT_EQ(m.metrics.clips, 18);
  EXPECT_THAT(m.metrics.labels, ElementsAre("neutral", "angry", "surprised"));
  EXPECT_TRUE(m.clips_left_out.empty());
}

TEST(CrossCorpus, NoSharedLabelIsAnInputError) {
  testing::ScratchDir dir;
  const auto path = write_other_corpus(dir, {"boredom", "contempt"});
  const DatasetFile data(path);
  EXPECT_THROW(evaluate_checkpoint(data, testing::fixture_checkpoint(), "auto", 1), InputError);
}

TEST(Robustness, EveryConditionIsMeasuredAndTheNormalisedModelIgnoresLevel) {
  testing::ScratchDir dir;
  const auto path = write_other_corpus(dir, {"angry", "sad", "happy"});
  const DatasetFile data(path);
  Checkpoint model = testing::fixture_checkpoint();
  Config config = model.config();
  config.features.cmvn = Cmvn::Mean;
  model.config_yaml = config.to_yaml();
  RobustnessOptions options;
  options.threads = 2;
  std::vector<std::string> seen;
  const RobustnessReport r =
      run_robustness(data, std::span(&model, 1), "auto", options,
                     [&](const ConditionResult& c) { seen.push_back(c.name); });
  ASSERT_EQ(r.conditions.size(), 1u + 5 + 3 + 3 + 1 + 3 + 2);
  EXPECT_EQ(seen.size(), r.conditions.size());
  EXPECT_EQ(r.conditions[0].name, "clean");
  EXPECT_EQ(r.conditions[0].unchanged, 1.0);
  EXPECT_THAT(r.classes, ElementsAre("happy", "sad", "angry"));
  for (const auto& c : r.conditions) {
    EXPECT_EQ(c.clips, 18);
    EXPECT_GE(c.ua, 0.0);
    EXPECT_LE(c.ua, 1.0);
    if (c.name == "gain -10 dB" || c.name == "gain -20 dB" || c.name == "gain -30 dB") {
      EXPECT_EQ(c.unchanged, 1.0) << c.name;  // CMN: the same features up to rounding
    }
  }
  const auto j = nlohmann::json::parse(r.to_json());
  EXPECT_EQ(j["conditions"].size(), r.conditions.size());
  EXPECT_NE(r.to_markdown().find("| opus 16 kbit/s (WebM) |"), std::string::npos);
}

}  // namespace
}  // namespace calmspace
