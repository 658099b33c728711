#include "core/eval/calibration.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "core/base/error.h"
#include "core/base/rng.h"

namespace calmspace {
namespace {

std::vector<int> all_or(std::span<const int> classes, std::int64_t C) {
  std::vector<int> out(classes.begin(), classes.end());
  if (out.empty()) {
    out.resize(static_cast<std::size_t>(C));
    std::iota(out.begin(), out.end(), 0);
  }
  return out;
}

// Log-softmax of row z * scale over `classes`, evaluated at class `target`, and the top class's
// probability and index.
struct RowStats {
  double log_p_target = 0, top_p = 0;
  int top = 0;
};
RowStats row_stats(const float* z, const std::vector<int>& classes, double scale, int target) {
  double max = -INFINITY;
  int top = classes[0];
  for (int c : classes) {
    if (z[c] * scale > max) max = z[c] * scale;
    if (z[c] > z[top]) top = c;
  }
  double sum = 0;
  for (int c : classes) sum += std::exp(z[c] * scale - max);
  const double log_norm = max + std::log(sum);
  return {z[target] * scale - log_norm, std::exp(z[top] * scale - log_norm), top};
}

void check_shapes(std::span<const float> logits, std::span<const int> truth, std::int64_t C) {
  CALMSPACE_CHECK(C > 0 && static_cast<std::int64_t>(logits.size()) ==
                               static_cast<std::int64_t>(truth.size()) * C,
                  "logits are (N, C)");
}

// The bin of a confidence among `num_bins` equal-width bins of [0, 1] (1 in the last).
std::size_t confidence_bin(double confidence, int num_bins) {
  return static_cast<std::size_t>(
      std::clamp(static_cast<int>(confidence * num_bins), 0, num_bins - 1));
}

// The weighted mean NLL (weights empty: the plain mean).
double mean_nll(std::span<const float> logits, std::span<const int> truth, std::int64_t C,
                const std::vector<int>& classes, double scale, std::span<const double> weights) {
  double sum = 0, total = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    sum -= w * row_stats(logits.data() + i * static_cast<std::size_t>(C), classes, scale, truth[i])
                   .log_p_target;
    total += w;
  }
  return total > 0 ? sum / total : 0.0;
}

}  // namespace

CalibrationReport calibration_report(std::span<const float> logits, std::span<const int> truth,
                                     std::int64_t num_classes, std::span<const int> classes,
                                     int num_bins) {
  check_shapes(logits, truth, num_classes);
  CALMSPACE_CHECK(num_bins >= 1, "at least one bin");
  const std::vector<int> scored = all_or(classes, num_classes);
  CalibrationReport out;
  out.bins.resize(static_cast<std::size_t>(num_bins));
  for (int b = 0; b < num_bins; ++b) {
    out.bins[b].lower = static_cast<double>(b) / num_bins;
    out.bins[b].upper = static_cast<double>(b + 1) / num_bins;
  }
  double nll = 0;
  out.confidences.reserve(truth.size());
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const RowStats r =
        row_stats(logits.data() + i * static_cast<std::size_t>(num_classes), scored, 1.0, truth[i]);
    nll -= r.log_p_target;
    out.confidences.push_back(r.top_p);
    ReliabilityBin& bin = out.bins[confidence_bin(r.top_p, num_bins)];
    ++bin.clips;
    bin.confidence += r.top_p;
    bin.accuracy += r.top == truth[i] ? 1.0 : 0.0;
  }
  const auto N = static_cast<double>(truth.size());
  for (ReliabilityBin& bin : out.bins) {
    if (bin.clips == 0) continue;
    out.ece += std::abs(bin.accuracy - bin.confidence) / N;  // (n_b / N) |acc_b - conf_b|
    bin.confidence /= static_cast<double>(bin.clips);
    bin.accuracy /= static_cast<double>(bin.clips);
  }
  out.nll = truth.empty() ? 0.0 : nll / N;
  return out;
}

CalibratedEce ece_if_calibrated(std::span<const double> confidences, int num_bins, int draws,
                                std::uint64_t seed) {
  CALMSPACE_CHECK(num_bins >= 1 && draws >= 1, "at least one bin and one draw");
  CalibratedEce out;
  out.draws = draws;
  if (confidences.empty()) return out;
  // Each clip's bin and each bin's summed confidence are the same in every draw; only the
  // correct counts are redrawn.
  const auto bins = static_cast<std::size_t>(num_bins);
  std::vector<std::size_t> bin_of(confidences.size());
  std::vector<double> confidence_sum(bins, 0.0);
  for (std::size_t i = 0; i < confidences.size(); ++i) {
    bin_of[i] = confidence_bin(confidences[i], num_bins);
    confidence_sum[bin_of[i]] += confidences[i];
  }
  const auto N = static_cast<double>(confidences.size());
  std::vector<double> eces;
  eces.reserve(static_cast<std::size_t>(draws));
  std::vector<double> correct(bins);
  for (int d = 0; d < draws; ++d) {
    Rng rng({seed, static_cast<std::uint64_t>(d)});
    std::fill(correct.begin(), correct.end(), 0.0);
    for (std::size_t i = 0; i < confidences.size(); ++i)
      if (rng.uniform() < confidences[i]) correct[bin_of[i]] += 1;
    double ece = 0;
    for (std::size_t b = 0; b < bins; ++b) ece += std::abs(correct[b] - confidence_sum[b]) / N;
    eces.push_back(ece);
  }
  std::sort(eces.begin(), eces.end());
  out.mean = std::accumulate(eces.begin(), eces.end(), 0.0) / draws;
  // Nearest-rank percentiles, ceil(percent x draws / 100) - 1 in integers (no rounding).
  const auto rank = [&](int percent) {
    const std::size_t r = (static_cast<std::size_t>(draws) * percent + 99) / 100;
    return eces[std::min(eces.size(), std::max<std::size_t>(r, 1)) - 1];
  };
  out.p05 = rank(5);
  out.p95 = rank(95);
  return out;
}

double fit_temperature(std::span<const float> logits, std::span<const int> truth,
                       std::int64_t num_classes, std::span<const int> classes,
                       std::span<const double> weights) {
  check_shapes(logits, truth, num_classes);
  CALMSPACE_CHECK(weights.empty() || weights.size() == truth.size(), "a weight per row");
  if (truth.empty()) return 1.0;
  const std::vector<int> scored = all_or(classes, num_classes);
  // The NLL of softmax(a z) is convex in a = 1 / T (a log-sum-exp minus a linear term), so a
  // golden-section search over a in [1/20, 1/0.05] finds its minimum.
  const double golden = (std::sqrt(5.0) - 1) / 2;
  double lo = 1.0 / 20, hi = 1.0 / 0.05;
  double a = hi - golden * (hi - lo), b = lo + golden * (hi - lo);
  double fa = mean_nll(logits, truth, num_classes, scored, a, weights);
  double fb = mean_nll(logits, truth, num_classes, scored, b, weights);
  for (int it = 0; it < 80 && hi - lo > 1e-6; ++it) {
    if (fa <= fb) {
      hi = b, b = a, fb = fa;
      a = hi - golden * (hi - lo);
      fa = mean_nll(logits, truth, num_classes, scored, a, weights);
    } else {
      lo = a, a = b, fa = fb;
      b = lo + golden * (hi - lo);
      fb = mean_nll(logits, truth, num_classes, scored, b, weights);
    }
  }
  return 1.0 / ((lo + hi) / 2);
}

CalibrationWeighting calibration_weighting(const std::string& name) {
  if (name == "clips") return CalibrationWeighting::Clips;
  if (name == "speakers") return CalibrationWeighting::Speakers;
  if (name == "corpora") return CalibrationWeighting::Corpora;
  throw InputError("--weigh", cat("'", name, "' is not one of clips, speakers, corpora"));
}

const char* weighting_name(CalibrationWeighting w) {
  switch (w) {
    case CalibrationWeighting::Speakers:
      return "speakers";
    case CalibrationWeighting::Corpora:
      return "corpora";
    case CalibrationWeighting::Clips:
      break;
  }
  return "clips";
}

std::vector<double> equal_group_weights(std::span<const int> groups) {
  std::map<int, std::int64_t> count;
  for (int g : groups) ++count[g];
  std::vector<double> w;
  w.reserve(groups.size());
  for (int g : groups)
    w.push_back(1.0 / (static_cast<double>(count.size()) * static_cast<double>(count[g])));
  return w;
}

CalibrationReport calibration_report(const Evaluation& e, int num_bins) {
  const auto C = static_cast<std::int64_t>(e.truth.empty() ? 1 : e.logits.size() / e.truth.size());
  return calibration_report(e.logits, e.truth, C, e.scored, num_bins);
}

std::map<std::string, CalibrationReport> calibration_by_corpus(const DatasetFile& dataset,
                                                               const Evaluation& e, int num_bins) {
  const std::size_t N = e.clips.size();
  std::map<std::string, CalibrationReport> out;
  if (N == 0) return out;
  CALMSPACE_CHECK(e.truth.size() == N && e.logits.size() % N == 0, "an evaluation with its clips");
  const std::size_t C = e.logits.size() / N;
  const DatasetHeader& h = dataset.header();
  std::map<std::string, std::vector<std::size_t>> rows;  // corpus -> evaluation rows
  for (std::size_t i = 0; i < N; ++i) {
    // A read DatasetFile always names its corpora (one, the file's own, for older files).
    rows[h.corpus_names.at(static_cast<std::size_t>(dataset.clips().at(e.clips[i]).corpus))]
        .push_back(i);
  }
  for (const auto& [name, picked] : rows) {
    std::vector<float> logits;
    std::vector<int> truth;
    for (std::size_t i : picked) {
      logits.insert(logits.end(), e.logits.begin() + static_cast<std::ptrdiff_t>(i * C),
                    e.logits.begin() + static_cast<std::ptrdiff_t>((i + 1) * C));
      truth.push_back(e.truth[i]);
    }
    out[name] = calibration_report(logits, truth, static_cast<std::int64_t>(C), e.scored, num_bins);
  }
  return out;
}

TemperatureFit fit_checkpoint_temperature(const DatasetFile& dataset, const Checkpoint& checkpoint,
                                          const std::string& split, int threads,
                                          CalibrationWeighting weighting) {
  return fit_pooled_temperature(dataset, std::span<const Checkpoint>(&checkpoint, 1), split,
                                threads, weighting);
}

TemperatureFit fit_pooled_temperature(const DatasetFile& dataset,
                                      std::span<const Checkpoint> models, const std::string& split,
                                      int threads, CalibrationWeighting weighting) {
  CALMSPACE_CHECK(!models.empty(), "a temperature needs a model");
  TemperatureFit out;
  out.weighting = weighting;
  std::vector<int> groups;  // (N,) speaker or corpus of each pooled row
  out.previous_temperature = models[0].config().model.temperature;
  const auto C = static_cast<std::int64_t>(models[0].labels.size());
  // Splits may score different classes (leave-one-corpus-out: TESS has no calm): a class a row
  // does not score gets a logit of kExcluded, so that the softmax over all C is the softmax over
  // its scored classes, at any temperature in range.
  constexpr float kExcluded = -1e30f;
  std::vector<float> logits;
  std::vector<int> truth;
  for (const Checkpoint& model : models) {
    if (model.labels != models[0].labels)
      throw InputError(dataset.path(), "the models to pool have different classes");
    // evaluate_checkpoint() leaves the logits uncalibrated: T = 1.
    const Evaluation e = evaluate_checkpoint(dataset, model, split, threads);
    out.split = e.split;
    std::vector<char> scored(static_cast<std::size_t>(C), 0);
    for (int c : e.scored) scored[static_cast<std::size_t>(c)] = 1;
    for (std::size_t i = 0; i < e.logits.size(); ++i)
      logits.push_back(scored[i % static_cast<std::size_t>(C)] ? e.logits[i] : kExcluded);
    truth.insert(truth.end(), e.truth.begin(), e.truth.end());
    for (std::size_t i : e.clips) {
      const ClipInfo& clip = dataset.clips()[i];
      groups.push_back(weighting == CalibrationWeighting::Corpora ? clip.corpus : clip.speaker);
    }
  }
  const std::vector<int> scored;  // every class: the excluded ones are masked above
  out.clips = static_cast<std::int64_t>(truth.size());
  if (out.clips == 0)
    throw InputError(dataset.path(), cat("its '", out.split,
                                         "' split has no clips for this model: nothing to fit a "
                                         "temperature on (try --split all or another dataset)"));
  const std::vector<double> weights = weighting == CalibrationWeighting::Clips
                                          ? std::vector<double>{}
                                          : equal_group_weights(groups);
  out.temperature = fit_temperature(logits, truth, C, scored, weights);
  std::vector<float> scaled(logits.size());
  const auto rescale = [&](double T) {
    for (std::size_t i = 0; i < scaled.size(); ++i) scaled[i] = static_cast<float>(logits[i] / T);
    return calibration_report(scaled, truth, C, scored);
  };
  out.before = rescale(out.previous_temperature);
  out.after = rescale(out.temperature);
  return out;
}

Checkpoint with_calibration(Checkpoint checkpoint, double temperature, double unseen_corpus_ua) {
  Config config = checkpoint.config();
  if (temperature >= 0) config.model.temperature = temperature;
  if (unseen_corpus_ua >= 0) config.model.unseen_corpus_ua = unseen_corpus_ua;
  config.validate();
  checkpoint.config_yaml = config.to_yaml();
  return checkpoint;
}

}  // namespace calmspace
