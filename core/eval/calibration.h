// Calibration of a classifier's probabilities: temperature scaling and the expected calibration
// error (Guo, Pleiss, Sun and Weinberger, "On Calibration of Modern Neural Networks", ICML 2017).
//   Temperature scaling: p = softmax(z / T), one scalar T > 0 fitted by minimising the mean
//   negative log-likelihood of held-out clips. The argmax, hence every accuracy, is unchanged;
//   T > 1 softens an overconfident model.
//   ECE (top-label, equal-width bins): clips binned by confidence (the top probability) into B
//   bins of [0, 1]; ECE = sum_b (n_b / N) |accuracy_b - mean confidence_b|. 0 = calibrated.
// Every function takes the classes scored (Scoring::classes; empty = all C): the probabilities
// are renormalised over them (the softmax of their logits alone), as evaluation scores a corpus
// on the classes it shares with the model.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/dataset/dataset_file.h"
#include "core/eval/evaluate.h"
#include "core/run/checkpoint.h"

namespace calmspace {

inline constexpr int kCalibrationBins = 15;  // Guo et al.'s choice

struct ReliabilityBin {
  double lower = 0, upper = 0;  // confidence range [lower, upper); the last bin includes 1
  std::int64_t clips = 0;
  double confidence = 0;  // mean top probability of its clips (0 when empty)
  double accuracy = 0;    // share of its clips whose top class is the true one
};

struct CalibrationReport {
  double ece = 0;  // expected calibration error, in [0, 1]
  double nll = 0;  // mean negative log-likelihood (nats)
  std::vector<ReliabilityBin> bins;
  std::vector<double> confidences;  // (N,) each clip's top probability, in input order
};

// The ECE a perfectly calibrated model would score on N clips from sampling alone. The binned
// ECE is biased upwards on few clips: each bin's accuracy is a sample mean, so it misses the
// bin's confidence by about sqrt(p (1 - p) / n_b) even when the probabilities are exact. Here
// each clip's correctness is redrawn as Bernoulli(its confidence), `draws` times (seeded, so
// the figures are reproducible), and the ECE of every draw taken. A measured ECE at or below
// p95 is within sampling noise of a calibrated model on as many clips; to show an ECE below a
// target, the clips must be enough for `mean` to sit well under it (for 338 clips of a model
// about 55 % right, `mean` is about 0.06).
struct CalibratedEce {
  double mean = 0, p05 = 0, p95 = 0;  // mean and 5th / 95th percentiles over the draws
  int draws = 0;
};
CalibratedEce ece_if_calibrated(std::span<const double> confidences,
                                int num_bins = kCalibrationBins, int draws = 1000,
                                std::uint64_t seed = 1);

// `logits` (N, C) row-major (already divided by any temperature), `truth` (N,) model classes.
CalibrationReport calibration_report(std::span<const float> logits, std::span<const int> truth,
                                     std::int64_t num_classes, std::span<const int> classes = {},
                                     int num_bins = kCalibrationBins);

// The T in [0.05, 20] minimising the mean NLL of softmax(logits / T) (golden-section search on
// 1/T, where the NLL is convex), each row weighted by `weights` (N,) (empty: all equal; the
// weights need not sum to 1). InputError-free: N = 0 gives 1.
double fit_temperature(std::span<const float> logits, std::span<const int> truth,
                       std::int64_t num_classes, std::span<const int> classes = {},
                       std::span<const double> weights = {});

// How pooled held-out clips count in a temperature fit. One speaker or corpus can hold most of
// the clips (TESS: 1,400 clips of one speaker), and a model's confidence differs most between
// corpora, so equal weight per corpus keeps one corpus from setting T for every voice.
enum class CalibrationWeighting {
  Clips,     // every clip the same
  Speakers,  // every speaker's clips together the same
  Corpora,   // every corpus's clips together the same
};
// "clips", "speakers", "corpora"; InputError("--weigh", ...) for another name.
CalibrationWeighting calibration_weighting(const std::string& name);
const char* weighting_name(CalibrationWeighting w);

// (N,) weights summing to 1 that give each group (`groups` (N,): a speaker or corpus id per
// row) the same total.
std::vector<double> equal_group_weights(std::span<const int> groups);

// An evaluation's calibration: its logits (already divided by the model's temperature) against
// its truth, over its scored classes.
CalibrationReport calibration_report(const Evaluation& e, int num_bins = kCalibrationBins);

// The same per corpus of `dataset` (the evaluation's `clips` name the rows; empty: none), by
// corpus name. Miscalibrations of opposite sign cancel in the pooled bins, so a pooled ECE can
// be lower than every corpus's own.
std::map<std::string, CalibrationReport> calibration_by_corpus(const DatasetFile& dataset,
                                                               const Evaluation& e,
                                                               int num_bins = kCalibrationBins);

// Temperature scaling of one model on a split of a dataset (`calmspace calibrate`): the model's
// logits with its temperature set to 1, the T that fits them, and the calibration before (the
// model's own temperature) and after. The numbers "after" are measured on the clips T was fitted
// on: an in-sample figure; held-out speakers give the honest one (`calmspace eval`).
struct TemperatureFit {
  double temperature = 1;
  double previous_temperature = 1;
  CalibrationReport before, after;  // clip-weighted ECE and NLL, whatever the fit's weighting
  std::int64_t clips = 0;
  std::string split;
  CalibrationWeighting weighting = CalibrationWeighting::Clips;
};
TemperatureFit fit_checkpoint_temperature(
    const DatasetFile& dataset, const Checkpoint& checkpoint, const std::string& split,
    int threads = 0, CalibrationWeighting weighting = CalibrationWeighting::Clips);
// One T for a recipe, from several models each on its own `split` of the dataset, pooled: a
// cross-validation's fold models, each on its test fold (speakers it never trained on). The
// "before" figures use the first model's temperature. `weighting` defaults to Clips, the plain
// mean of Guo et al.; `calmspace calibrate` asks for Corpora unless told otherwise.
TemperatureFit fit_pooled_temperature(const DatasetFile& dataset,
                                      std::span<const Checkpoint> models, const std::string& split,
                                      int threads = 0,
                                      CalibrationWeighting weighting = CalibrationWeighting::Clips);

// The checkpoint with model.temperature and model.unseen_corpus_ua set in its config (negative:
// keep the stored value).
Checkpoint with_calibration(Checkpoint checkpoint, double temperature, double unseen_corpus_ua);

}  // namespace calmspace
