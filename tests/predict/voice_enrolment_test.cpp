// Voice enrolment at inference (core/predict/voice_enrolment.h): the enrolled model, an ordinary
// checkpoint, predicts exactly what the model does on features normalised with the voice's
// statistics as in training (apply_speaker_norm, then the model with its input normalisation),
// for mean and mean_var and with the input normalisation on or off; a model without speaker
// normalisation, and statistics of another feature count, are refused with a reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/base/error.h"
#include "core/eval/evaluate.h"
#include "core/features/cpu_feature_extractor.h"
#include "core/features/speaker_norm.h"
#include "core/predict/predictor.h"
#include "core/predict/voice_enrolment.h"
#include "core/run/model_checkpoint.h"
#include "support/model_fixtures.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;

// The fixture model trained, as it were, with speaker-level normalisation `mode`.
Checkpoint speaker_norm_model(Cmvn mode, bool input_norm) {
  Checkpoint c = testing::fixture_checkpoint();
  Config config = c.config();
  config.features.cmvn = Cmvn::None;
  config.features.speaker_norm = mode;
  config.model.input_norm = input_norm;
  c.config_yaml = config.to_yaml();
  return c;
}

struct Case {
  Cmvn mode;
  bool input_norm;
};

class VoiceEnrolment : public ::testing::TestWithParam<Case> {};

TEST_P(VoiceEnrolment, TheEnrolledModelPredictsWhatTrainingsNormalisationGives) {
  const Checkpoint model = speaker_norm_model(GetParam().mode, GetParam().input_norm);
  const int rate = model.config().audio.sample_rate;
  // Two "neutral readings" of the voice, and a new recording of it.
  const std::vector<std::vector<float>> readings = {testing::voice_like(2.0, rate, 11),
                                                    testing::voice_like(1.5, rate, 12)};
  const std::vector<float> recording = testing::voice_like(2.5, rate, 13);
  const FeatureStats voice = voice_statistics(model, "fixture", readings);
  EXPECT_GT(voice.frames, 300);

  // As in training: raw features, the speaker's statistics, then the model.
  FeatureOptions raw = model.config().features;
  raw.speaker_norm = Cmvn::None;
  CpuFeatureExtractor extractor(raw, rate);
  FeatureMatrix x = extractor.extract(recording);
  apply_speaker_norm(x, voice, GetParam().mode);
  const auto net = model_from_checkpoint(model);
  const Evaluation want = evaluate_features(*net, std::span<const FeatureMatrix>(&x, 1),
                                            std::vector<int>{0}, model.labels, 1);

  Predictor enrolled(enrolled_model(model, "fixture", voice), 1);
  const Prediction got = enrolled.predict(recording);
  ASSERT_EQ(got.probabilities.size(), model.labels.size());
  for (std::size_t c = 0; c < got.probabilities.size(); ++c)
    EXPECT_NEAR(got.probabilities[c], want.probabilities[c], 1e-5) << model.labels[c];

  // And the statistics matter: without enrolment the recording's own stand in, with other answers.
  Predictor alone(model, 1);
  const Prediction own = alone.predict(recording);
  float largest = 0;
  for (std::size_t c = 0; c < own.probabilities.size(); ++c)
    largest = std::max(largest, std::abs(own.probabilities[c] - got.probabilities[c]));
  EXPECT_GT(largest, 1e-4f);
}

INSTANTIATE_TEST_SUITE_P(Modes, VoiceEnrolment,
                         ::testing::Values(Case{Cmvn::Mean, true}, Case{Cmvn::MeanVar, true},
                                           Case{Cmvn::Mean, false}, Case{Cmvn::MeanVar, false}));

TEST(VoiceEnrolmentErrors, AModelWithoutSpeakerNormalisationOrOtherStatisticsAreRefused) {
  const Checkpoint plain = testing::fixture_checkpoint();
  const std::vector<std::vector<float>> readings = {testing::voice_like(1.0, 16000, 1)};
  try {
    voice_statistics(plain, "plain.h5", readings);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("plain.h5"));
    EXPECT_THAT(e.what(), HasSubstr("features.speaker_norm"));
  }
  const Checkpoint model = speaker_norm_model(Cmvn::Mean, true);
  FeatureStats wrong;
  wrong.mean.assign(5, 0.0f);
  wrong.std.assign(5, 1.0f);
  EXPECT_THROW(enrolled_model(model, "m", wrong), InputError);
  const std::vector<std::vector<float>> silence = {std::vector<float>(10, 0.0f)};
  EXPECT_THROW(voice_statistics(model, "m", silence), InputError);
}

}  // namespace
}  // namespace calmspace
