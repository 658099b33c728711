// Temperature scaling and the expected calibration error (core/eval/calibration.h): ECE against a
// hand count, the scored-class renormalisation, the fit recovering a known temperature from
// sampled labels, and the Predictor and evaluation applying a checkpoint's temperature.
#include "core/eval/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "core/dataset/dataset_file.h"
#include "core/predict/predictor.h"
#include "core/predict/reliability.h"
#include "support/model_fixtures.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

// Two classes, logits (log(p / (1 - p)), 0): the top probability is p.
void add_row(std::vector<float>& logits, double p) {
  logits.push_back(static_cast<float>(std::log(p / (1 - p))));
  logits.push_back(0.0f);
}

TEST(Calibration, EceIsTheClipWeightedGapBetweenAccuracyAndConfidencePerBin) {
  // Two clips at 0.9 (one right) and two at 0.62 (both right), 15 bins of width 1/15:
  // bin 13: acc 0.5, conf 0.9 -> 2/4 * 0.4; bin 9: acc 1, conf 0.62 -> 2/4 * 0.38. ECE = 0.39.
  std::vector<float> logits;
  for (double p : {0.9, 0.9, 0.62, 0.62}) add_row(logits, p);
  const std::vector<int> truth = {0, 1, 0, 0};
  const CalibrationReport r = calibration_report(logits, truth, 2);
  EXPECT_NEAR(r.ece, 0.39, 1e-6);
  ASSERT_EQ(r.bins.size(), 15u);
  EXPECT_EQ(r.bins[13].clips, 2);
  EXPECT_NEAR(r.bins[13].confidence, 0.9, 1e-6);
  EXPECT_NEAR(r.bins[13].accuracy, 0.5, 1e-12);
  EXPECT_EQ(r.bins[9].clips, 2);
  const double nll = -(2 * std::log(0.62) + std::log(0.9) + std::log(0.1)) / 4;
  EXPECT_NEAR(r.nll, nll, 1e-6);
}

TEST(Calibration, TheReportKeepsEachClipsConfidenceInOrder) {
  std::vector<float> logits;
  for (double p : {0.9, 0.62, 0.75}) add_row(logits, p);
  const std::vector<int> truth = {0, 1, 0};
  const CalibrationReport r = calibration_report(logits, truth, 2);
  ASSERT_EQ(r.confidences.size(), 3u);
  EXPECT_NEAR(r.confidences[0], 0.9, 1e-6);
  EXPECT_NEAR(r.confidences[1], 0.62, 1e-6);
  EXPECT_NEAR(r.confidences[2], 0.75, 1e-6);
}

TEST(Calibration, TheCalibratedFloorMatchesTheBinomialMeanAbsoluteDeviation) {
  // N clips all at confidence 0.5 share one bin, so ECE = |k / N - 0.5| with k ~ Binomial(N, 0.5):
  // its mean is about sqrt(2 / pi) * 0.5 / sqrt(N) (the normal approximation), 0.01995 at N = 400.
  const std::vector<double> half(400, 0.5);
  const CalibratedEce e = ece_if_calibrated(half, kCalibrationBins, 4000);
  EXPECT_EQ(e.draws, 4000);
  EXPECT_NEAR(e.mean, std::sqrt(2 / std::numbers::pi) * 0.5 / 20, 0.001);
  EXPECT_LT(e.p05, e.mean);
  EXPECT_GT(e.p95, e.mean);
  // Certain clips are always right: no sampling error at all.
  const std::vector<double> sure(50, 1.0);
  const CalibratedEce none = ece_if_calibrated(sure);
  EXPECT_EQ(none.mean, 0.0);
  EXPECT_EQ(none.p95, 0.0);
}

TEST(Calibration, TheCalibratedFloorFallsWithTheSquareRootOfTheClipsAndRepeats) {
  // The same spread of confidences, 100 and 10,000 clips: the floor falls about tenfold.
  std::vector<double> small, large;
  for (int i = 0; i < 10000; ++i) {
    const double c = 0.3 + 0.7 * (i % 100) / 100.0;
    large.push_back(c);
    if (i < 100) small.push_back(c);
  }
  const CalibratedEce s = ece_if_calibrated(small), l = ece_if_calibrated(large);
  EXPECT_GT(s.mean, 0.05);
  EXPECT_LT(l.mean, s.mean / 5);
  EXPECT_GT(l.mean, s.mean / 20);
  // Seeded: the same clips give the same figures; another seed, other draws.
  const CalibratedEce again = ece_if_calibrated(small);
  EXPECT_EQ(again.mean, s.mean);
  EXPECT_EQ(again.p95, s.p95);
  EXPECT_NE(ece_if_calibrated(small, kCalibrationBins, 1000, 2).mean, s.mean);
}

TEST(Calibration, ClassesNotScoredAreLeftOutOfTheSoftmax) {
  const std::vector<float> logits = {0.0f, 0.0f, 50.0f};  // class 2 would take everything
  const std::vector<int> truth = {0};
  const std::vector<int> scored = {0, 1};
  const CalibrationReport r = calibration_report(logits, truth, 3, scored);
  EXPECT_NEAR(r.nll, std::log(2.0), 1e-6);
  EXPECT_EQ(r.bins[7].clips, 1);  // confidence 0.5 -> bin 7 of 15
}

TEST(Calibration, FitRecoversTheTemperatureLabelsWereDrawnWith) {
  constexpr int C = 6, N = 20000;
  for (double T0 : {0.5, 2.5}) {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> z(0.0, 2.0);
    std::vector<float> logits(static_cast<std::size_t>(N) * C);
    std::vector<int> truth(N);
    for (int i = 0; i < N; ++i) {
      std::vector<double> p(C);
      for (int c = 0; c < C; ++c) {  // unnormalised: discrete_distribution normalises
        logits[static_cast<std::size_t>(i) * C + c] = static_cast<float>(z(rng));
        p[c] = std::exp(logits[static_cast<std::size_t>(i) * C + c] / T0);
      }
      std::discrete_distribution<int> draw(p.begin(), p.end());
      truth[i] = draw(rng);
    }
    const double T = fit_temperature(logits, truth, C);
    EXPECT_NEAR(T, T0, 0.05 * T0) << "drawn with T0 = " << T0;
    // Scaled by the fitted T the labels are calibrated (ECE within sampling noise); as given,
    // they are not.
    std::vector<float> scaled(logits.size());
    for (std::size_t i = 0; i < scaled.size(); ++i) scaled[i] = static_cast<float>(logits[i] / T);
    const double after = calibration_report(scaled, truth, C).ece;
    EXPECT_LT(after, 0.02);
    EXPECT_GT(calibration_report(logits, truth, C).ece, 3 * after);
  }
}

// Rows of `C` logits drawn N(0, 2) and labels drawn from softmax(z / T0).
void draw_rows(int n, double T0, std::uint64_t seed, int C, std::vector<float>& logits,
               std::vector<int>& truth) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 2.0);
  for (int i = 0; i < n; ++i) {
    std::vector<double> p(static_cast<std::size_t>(C));
    for (int c = 0; c < C; ++c) {
      logits.push_back(static_cast<float>(z(rng)));
      p[static_cast<std::size_t>(c)] = std::exp(logits.back() / T0);
    }
    std::discrete_distribution<int> draw(p.begin(), p.end());
    truth.push_back(draw(rng));
  }
}

TEST(Calibration, AWeightedFitEqualsTheFitOnRowsRepeatedByTheirWeight) {
  constexpr int C = 4;
  std::vector<float> logits, repeated_logits;
  std::vector<int> truth, repeated_truth;
  draw_rows(300, 1.7, 5, C, logits, truth);
  std::vector<double> weights;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const int w = 1 + static_cast<int>(i % 3);  // 1, 2, 3, 1, ...
    weights.push_back(w);
    for (int k = 0; k < w; ++k) {
      repeated_logits.insert(repeated_logits.end(), logits.begin() + static_cast<long>(i) * C,
                             logits.begin() + static_cast<long>(i + 1) * C);
      repeated_truth.push_back(truth[i]);
    }
  }
  const double weighted = fit_temperature(logits, truth, C, {}, weights);
  EXPECT_NEAR(weighted, fit_temperature(repeated_logits, repeated_truth, C), 1e-5);
  EXPECT_GT(std::abs(weighted - fit_temperature(logits, truth, C)), 1e-4)
      << "the weights change the fit";
}

TEST(Calibration, EqualGroupWeightsGiveEveryGroupTheSameTotal) {
  const std::vector<int> groups = {4, 4, 4, 9};
  const std::vector<double> w = equal_group_weights(groups);
  ASSERT_EQ(w.size(), 4u);
  EXPECT_NEAR(w[0], 1.0 / 6, 1e-12);
  EXPECT_NEAR(w[3], 1.0 / 2, 1e-12);
  EXPECT_NEAR(w[0] + w[1] + w[2], w[3], 1e-12);
}

TEST(Calibration, OneLargeGroupSetsTheClipWeightedTemperatureButNotTheGroupWeightedOne) {
  // 3,000 rows of an overconfident group (labels drawn at T0 = 4) beside 300 rows of a group
  // drawn at T0 = 1: weighted per group, T lands between them; per clip, near 4.
  constexpr int C = 5;
  std::vector<float> logits;
  std::vector<int> truth, groups;
  draw_rows(3000, 4.0, 21, C, logits, truth);
  groups.assign(3000, 0);
  draw_rows(300, 1.0, 22, C, logits, truth);
  groups.resize(3300, 1);
  const double per_clip = fit_temperature(logits, truth, C);
  const double per_group = fit_temperature(logits, truth, C, {}, equal_group_weights(groups));
  EXPECT_GT(per_clip, 3.0);
  EXPECT_LT(per_group, per_clip - 0.5);
  EXPECT_GT(per_group, 1.2);
}

TEST(Calibration, WeightingsHaveNamesAndAnUnknownOneIsAnInputError) {
  for (const char* name : {"clips", "speakers", "corpora"})
    EXPECT_STREQ(weighting_name(calibration_weighting(name)), name);
  EXPECT_THROW(calibration_weighting("voices"), InputError);
}

// A merged dataset of two corpora, "a" with `clips_a` clips and "b" with `clips_b`, one speaker
// each (a/1, b/1), labels {sad, angry} alternating, voice-like clips of different lengths.
std::string write_two_corpora(const testing::ScratchDir& dir, int clips_a, int clips_b) {
  auto path = (dir / "two.h5").string();
  DatasetHeader h;
  h.corpus = "merged";
  h.corpus_names = {"a", "b"};
  h.sample_rate = 16000;
  h.label_names = {"sad", "angry"};
  h.speaker_names = {"a/1", "b/1"};
  h.speaker_fold = {0, 0};
  h.num_folds = 1;
  DatasetWriter w(path, h);
  for (int k = 0; k < clips_a + clips_b; ++k) {
    ClipInfo c;
    c.corpus = c.speaker = k < clips_a ? 0 : 1;
    c.label = k % 2;
    c.utterance_id = cat("clip", k);
    w.append(c, testing::voice_like(0.4 + 0.05 * k, 16000, 100 + static_cast<std::uint64_t>(k)));
  }
  w.close();
  return path;
}

TEST(Calibration, PerCorpusReportsScoreEachCorpusAloneAndCanExceedThePooledOne) {
  // Corpus "a": two clips at 0.9, both right (underconfident); "b": two at 0.9, both wrong
  // (overconfident). Pooled, their bin holds 0.9 against an accuracy of 0.5: ECE 0.4; alone,
  // 0.1 and 0.9.
  testing::ScratchDir dir;
  const DatasetFile data(write_two_corpora(dir, 2, 2));
  Evaluation e;
  e.clips = {0, 1, 2, 3};
  for (double p : {0.9, 0.9, 0.9, 0.9}) add_row(e.logits, p);  // class 0 on top
  e.truth = {0, 0, 1, 1};
  const auto by = calibration_by_corpus(data, e);
  ASSERT_EQ(by.size(), 2u);
  EXPECT_NEAR(by.at("a").ece, 0.1, 1e-6);
  EXPECT_NEAR(by.at("b").ece, 0.9, 1e-6);
  EXPECT_NEAR(calibration_report(e.logits, e.truth, 2).ece, 0.4, 1e-6);
  e.clips.clear();
  EXPECT_TRUE(calibration_by_corpus(data, e).empty());
}

TEST(Calibration, APooledFitWeighsTheCorporaOrSpeakersOfItsClips) {
  // 12 clips of corpus a, 3 of b (one speaker each): weighing corpora moves T away from the
  // clip-weighted fit; with one speaker per corpus, weighing speakers is the same fit.
  testing::ScratchDir dir;
  const DatasetFile data(write_two_corpora(dir, 12, 3));
  const std::vector<Checkpoint> models{testing::fixture_checkpoint()};
  const TemperatureFit clips =
      fit_pooled_temperature(data, models, "all", 1, CalibrationWeighting::Clips);
  const TemperatureFit corpora =
      fit_pooled_temperature(data, models, "all", 1, CalibrationWeighting::Corpora);
  const TemperatureFit speakers =
      fit_pooled_temperature(data, models, "all", 1, CalibrationWeighting::Speakers);
  EXPECT_EQ(clips.clips, 15);
  EXPECT_EQ(corpora.weighting, CalibrationWeighting::Corpora);
  EXPECT_GT(std::abs(corpora.temperature - clips.temperature), 1e-4);
  EXPECT_DOUBLE_EQ(speakers.temperature, corpora.temperature);
  // The reports beside the fit are clip-weighted whatever the fit's weighting.
  EXPECT_DOUBLE_EQ(corpora.before.ece, clips.before.ece);
}

TEST(Calibration, ThePredictorDividesTheLogitsByTheCheckpointsTemperature) {
  const Checkpoint plain = testing::fixture_checkpoint();
  const Checkpoint hot = with_calibration(plain, 3.0, -1);
  const auto audio = testing::voice_like(1.0, 16000);
  const std::span<const float> clip(audio);
  Predictor a(plain, 1), b(hot, 1);
  const auto p = a.probabilities({&clip, 1});
  const auto q = b.probabilities({&clip, 1});
  ASSERT_EQ(p.size(), q.size());
  for (std::size_t c = 1; c < p.size(); ++c)
    EXPECT_NEAR(std::log(q[c] / q[0]), std::log(p[c] / p[0]) / 3.0, 1e-4) << c;
  // The block-by-block path too: whole-recording probabilities of a unidirectional model come
  // from streaming its frames (long_form.cpp), with and without per-utterance CMN.
  for (bool cmn : {false, true}) {
    // The fixture's options with one direction (so it streams), and fresh weights for them.
    Checkpoint streamable = plain;
    Config config = streamable.config();
    config.model.bidirectional = false;
    if (cmn) config.features.cmvn = Cmvn::Mean;
    streamable.config_yaml = config.to_yaml();
    const int f = config.features.feature_dim(config.audio.sample_rate);
    streamable.layout = parameter_layout(config.model, f, 8);
    streamable.weights = testing::white_noise(
        streamable.layout.back().offset + streamable.layout.back().size, 0.4, 17);
    Predictor s1(streamable, 1), s3(with_calibration(streamable, 3.0, -1), 1);
    const Prediction u = s1.predict(clip), v = s3.predict(clip);
    for (std::size_t c = 1; c < u.probabilities.size(); ++c)
      EXPECT_NEAR(std::log(v.probabilities[c] / v.probabilities[0]),
                  std::log(u.probabilities[c] / u.probabilities[0]) / 3.0, 1e-4)
          << "cmn " << cmn << " class " << c;
  }
  EXPECT_EQ(hot.config().model.temperature, 3.0);
  EXPECT_THROW(with_calibration(plain, 0.0, -1), InputError);
}

TEST(Reliability, TheSentenceQuotesTheMeasuredUaInTenthsAgainstGuessing) {
  ModelOptions m;
  EXPECT_NE(reliability_sentence(m, 8).find("has not been measured"), std::string::npos);
  m.unseen_corpus_ua = 0.26;
  const std::string s = reliability_sentence(m, 8);
  EXPECT_NE(s.find("about 3 times in 10 (guessing would manage 1 in 8)"), std::string::npos) << s;
  EXPECT_NE(s.find("a hint, not a verdict"), std::string::npos) << s;
  m.unseen_corpus_ua = 0.999;
  EXPECT_NE(reliability_sentence(m, 8).find("about 9 times in 10"), std::string::npos);
  m.unseen_corpus_ua = 0.01;
  EXPECT_NE(reliability_sentence(m, 8).find("about once in 10"), std::string::npos);
}

}  // namespace
}  // namespace calmspace
