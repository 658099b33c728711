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

namespace {

// The windows of one recording's timeline: window_s long, one every hop_s, the last one ending
// at the recording's end (possibly shorter). Empty when the recording gets no timeline.
std::vector<std::span<const float>> timeline_windows(std::span<const float> samples, double rate,
                                                     const TimelineOptions& timeline,
                                                     std::size_t& hop) {
  std::vector<std::span<const float>> windows;
  const double duration_s = samples.size() / rate;
  if (duration_s < timeline.min_duration_s || timeline.window_s <= 0 || timeline.hop_s <= 0)
    return windows;
  const auto window = static_cast<std::size_t>(std::lround(timeline.window_s * rate));
  hop = static_cast<std::size_t>(std::max(1L, std::lround(timeline.hop_s * rate)));
  for (std::size_t start = 0;; start += hop) {
    const std::size_t end = std::min(samples.size(), start + window);
    windows.push_back(samples.subspan(start, end - start));
    if (end == samples.size()) break;
  }
  return windows;
}

}  // namespace

Prediction Predictor::predict(std::span<const float> samples, const TimelineOptions& timeline) {
  const std::span<const float> one[] = {samples};
  return std::move(predict_many(one, timeline).front());
}

std::vector<Prediction> Predictor::predict_many(std::span<const std::span<const float>> recordings,
                                                const TimelineOptions& timeline) {
  const std::size_t C = labels_.size();
  const double rate = sample_rate();
  // Batch rows: recording r at rows first[r], its windows right after it.
  std::vector<std::span<const float>> rows;
  std::vector<std::size_t> first(recordings.size()), hops(recordings.size(), 1);
  for (std::size_t r = 0; r < recordings.size(); ++r) {
    first[r] = rows.size();
    rows.push_back(recordings[r]);
    for (auto w : timeline_windows(recordings[r], rate, timeline, hops[r])) rows.push_back(w);
  }
  const std::vector<float> probs = probabilities(rows);
  const std::vector<int> predicted = argmax_rows(probs, static_cast<int>(C));
  std::vector<Prediction> out(recordings.size());
  for (std::size_t r = 0; r < recordings.size(); ++r) {
    Prediction& p = out[r];
    p.duration_s = recordings[r].size() / rate;
    const std::size_t row = first[r];
    p.probabilities.assign(probs.begin() + row * C, probs.begin() + (row + 1) * C);
    p.predicted = predicted[row];
    const std::size_t end = r + 1 < recordings.size() ? first[r + 1] : rows.size();
    for (std::size_t w = row + 1; w < end; ++w) {
      Segment s;
      s.start_s = double((w - row - 1) * hops[r]) / rate;
      s.end_s = s.start_s + rows[w].size() / rate;
      s.probabilities.assign(probs.begin() + w * C, probs.begin() + (w + 1) * C);
      s.predicted = predicted[w];
      p.timeline.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace calmspace
