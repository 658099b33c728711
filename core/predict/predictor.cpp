#include "core/predict/predictor.h"

#include <algorithm>
#include <cmath>

#include "core/eval/metrics.h"
#include "core/train/loss.h"
#include "core/train/model_checkpoint.h"

namespace calmspace {

Predictor::Predictor(const Checkpoint& checkpoint, int threads, const std::string& device)
    : config_(checkpoint.config()), labels_(checkpoint.labels) {
  FeatureOptions features = config_.features;
  features.num_threads = threads;
  extractor_ = make_cpu_feature_extractor(features, config_.audio.sample_rate);
  const ComputeOptions compute{device.empty() ? "auto" : device, config_.train.precision};
  model_ = model_from_checkpoint(checkpoint, compute);
  model_->set_num_threads(threads);
}

std::vector<float> Predictor::probabilities(std::span<const std::span<const float>> clips) {
  const PaddedBatch x = extractor_->extract_batch(clips);
  for (std::int64_t b = 0; b < x.batch; ++b)
    if (x.lengths[b] == 0) throw InputError("audio", "too short to give a single feature frame");
  model_->forward(x, logits_, /*training=*/false, 0);
  std::vector<float> probs(logits_.size());
  softmax(logits_, x.batch, static_cast<std::int64_t>(labels_.size()), probs);
  return probs;
}

Prediction Predictor::predict(std::span<const float> samples, const TimelineOptions& timeline) {
  const int C = static_cast<int>(labels_.size());
  const double rate = sample_rate();
  Prediction out;
  out.duration_s = samples.size() / rate;
  const std::span<const float> whole[] = {samples};
  out.probabilities = probabilities(whole);
  out.predicted = argmax_rows(out.probabilities, C)[0];
  if (out.duration_s < timeline.min_duration_s || timeline.window_s <= 0 || timeline.hop_s <= 0)
    return out;

  const auto window = static_cast<std::size_t>(std::lround(timeline.window_s * rate));
  const auto hop = static_cast<std::size_t>(std::max(1L, std::lround(timeline.hop_s * rate)));
  std::vector<std::span<const float>> windows;
  for (std::size_t start = 0;; start += hop) {
    const std::size_t end = std::min(samples.size(), start + window);
    windows.push_back(samples.subspan(start, end - start));
    if (end == samples.size()) break;
  }
  const std::vector<float> probs = probabilities(windows);
  const std::vector<int> predicted = argmax_rows(probs, C);
  for (std::size_t w = 0; w < windows.size(); ++w) {
    Segment s;
    s.start_s = double(w * hop) / rate;
    s.end_s = s.start_s + windows[w].size() / rate;
    s.probabilities.assign(probs.begin() + w * C, probs.begin() + (w + 1) * C);
    s.predicted = predicted[w];
    out.timeline.push_back(std::move(s));
  }
  return out;
}

}  // namespace calmspace
