#include "core/predict/predictor.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/audio/trim.h"
#include "core/model/softmax.h"
#include "core/run/model_checkpoint.h"

namespace calmspace {

Predictor::Predictor(const Checkpoint& checkpoint, int threads, const std::string& device)
    : Predictor(std::span<const Checkpoint>(&checkpoint, 1), threads, device) {}

namespace {

Config first_config(std::span<const Checkpoint> members) {
  CALMSPACE_CHECK(!members.empty(), "a predictor needs a model");
  return members[0].config();
}

// One recording at a time, with no speaker statistics: speaker_norm falls back to the
// recording's own (utterance_features).
FeatureOptions with_threads(FeatureOptions features, int threads) {
  features = utterance_features(std::move(features));
  features.num_threads = threads;
  return features;
}

// The one-batch path's features: features.device, or where the model runs when that is auto.
std::unique_ptr<FeatureExtractor> batch_extractor(const Config& config, int threads,
                                                  const std::string& device) {
  const std::string where = config.features.device != "auto" ? config.features.device
                            : device.empty()                 ? "auto"
                                                             : device;
  return make_feature_extractor(with_threads(config.features, threads), config.audio.sample_rate,
                                where, "features.device");
}

}  // namespace

Predictor::Predictor(std::span<const Checkpoint> members, int threads, const std::string& device)
    : config_(first_config(members)),
      labels_(members[0].labels),
      threads_(threads),
      extractor_(batch_extractor(config_, threads, device)),
      stream_features_(with_threads(config_.features, threads), config_.audio.sample_rate) {
  for (const Checkpoint& member : members) {
    const ComputeOptions compute{device.empty() ? "auto" : device, member.config().train.precision};
    models_.push_back(model_from_checkpoint(member, compute));
    models_.back()->set_num_threads(threads);
  }
}

void check_finite(const Prediction& p, const std::string& name) {
  const auto finite = [](const std::vector<float>& v) {
    return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
  };
  bool ok = finite(p.probabilities);
  for (const auto& w : p.timeline) ok = ok && finite(w.probabilities);
  if (!ok)
    throw InputError(name,
                     "the model gave probabilities that are not numbers: the recording's samples "
                     "are not finite or far beyond full scale, or the model's weights are not "
                     "finite");
}

void Predictor::mean_logits(const PaddedBatch& x, std::span<const PrefixRow> prefixes) {
  models_[0]->predict_with_prefixes(x, prefixes, logits_);
  const double temperature = config_.model.temperature;  // calibration (core/eval/calibration.h)
  if (models_.size() == 1 && temperature == 1.0) return;
  for (std::size_t m = 1; m < models_.size(); ++m) {
    models_[m]->predict_with_prefixes(x, prefixes, member_logits_);
    for (std::size_t i = 0; i < logits_.size(); ++i) logits_[i] += member_logits_[i];
  }
  const float scale = mean_logit_scale(models_.size(), temperature);
  for (float& z : logits_) z *= scale;
}

void Predictor::place_in_recording(Prediction& p, double offset_s, double duration_s) {
  for (WindowPrediction& w : p.timeline) {
    w.start_s += offset_s;
    w.end_s += offset_s;
  }
  p.duration_s = duration_s;
  p.segments = timeline_segments(p.timeline, duration_s);
}

std::vector<float> Predictor::probabilities(std::span<const std::span<const float>> clips) {
  std::vector<std::span<const float>> kept;
  for (const auto& clip : clips) kept.push_back(kept_samples(clip, config_.audio));  // trim.h
  const PaddedBatch x = extractor_->extract_batch(kept);
  for (std::int64_t b = 0; b < x.batch; ++b)
    if (x.lengths[b] == 0) throw InputError("audio", "too short to give a single feature frame");
  mean_logits(x, {});
  std::vector<float> probs(logits_.size());
  softmax(logits_, x.batch, static_cast<std::int64_t>(labels_.size()), probs);
  return probs;
}

std::vector<Prediction> Predictor::predict_many(std::span<const std::span<const float>> recordings,
                                                const TimelineOptions& timeline) {
  const auto R = static_cast<std::int64_t>(recordings.size());
  const auto C = static_cast<std::int64_t>(labels_.size());
  // Each recording as the model hears it: its silence trimmed when audio.trim_db says (trim.h).
  std::vector<SampleRange> kept(recordings.size());
  std::vector<std::span<const float>> heard(recordings.size());
  for (std::size_t r = 0; r < recordings.size(); ++r) {
    kept[r] = kept_range(recordings[r], config_.audio);
    heard[r] = recordings[r].subspan(static_cast<std::size_t>(kept[r].begin),
                                     static_cast<std::size_t>(kept[r].size()));
  }
  const PaddedBatch x = extractor_->extract_batch(heard);  // (R, T, F)
  for (std::int64_t r = 0; r < R; ++r)
    if (x.lengths[r] == 0) throw InputError("audio", "too short to give a single feature frame");

  // The model's rows: the R recordings, then the windows that do not start at frame 0 (their
  // frames copied out), then the windows that do, as prefixes of their recording.
  const FrameLayout layout = FrameLayout::from(config_.features, sample_rate());
  std::vector<std::vector<TimelineWindow>> windows(recordings.size());
  std::vector<std::vector<std::int64_t>> window_rows(recordings.size());
  std::vector<PrefixRow> prefixes;
  std::vector<FrameSlice> copies;  // windows not starting at frame 0: their frames
  for (std::int64_t r = 0; r < R; ++r) {
    windows[r] = timeline_windows(kept[r].size(), sample_rate(), timeline, layout, x.lengths[r]);
    for (const TimelineWindow& w : windows[r]) {
      if (w.first_frame == 0) {
        window_rows[r].push_back(-1 - static_cast<std::int64_t>(prefixes.size()));
        prefixes.push_back({r, w.end_frame});
      } else {
        window_rows[r].push_back(R + static_cast<std::int64_t>(copies.size()));
        copies.push_back({r, w.first_frame, w.end_frame});
      }
    }
  }
  const PaddedBatch batch = append_slices(x, copies);
  mean_logits(batch, prefixes);
  const std::int64_t rows = batch.batch + static_cast<std::int64_t>(prefixes.size());
  std::vector<float> probs(static_cast<std::size_t>(rows * C));
  softmax(logits_, rows, C, probs);
  const std::vector<int> predicted = argmax_rows(probs, static_cast<int>(C));

  std::vector<Prediction> out(recordings.size());
  for (std::int64_t r = 0; r < R; ++r) {
    Prediction& p = out[r];
    p.probabilities.assign(probs.begin() + r * C, probs.begin() + (r + 1) * C);
    p.predicted = predicted[r];
    for (std::size_t i = 0; i < windows[r].size(); ++i) {
      const std::int64_t k = window_rows[r][i];
      const std::int64_t row = k >= 0 ? k : batch.batch + (-1 - k);
      WindowPrediction s;
      s.start_s = windows[r][i].start_s;
      s.end_s = windows[r][i].end_s;
      s.probabilities.assign(probs.begin() + row * C, probs.begin() + (row + 1) * C);
      s.predicted = predicted[row];
      p.timeline.push_back(std::move(s));
    }
    place_in_recording(p, double(kept[r].begin) / sample_rate(),
                       double(recordings[r].size()) / sample_rate());
    p.quality = assess_recording(recordings[r], sample_rate());
    check_finite(p, "audio");
  }
  return out;
}

}  // namespace calmspace
