// Inference with a trained model: audio -> features (the options the model was trained with,
// read from its checkpoint) -> model -> class probabilities; for long recordings also a timeline:
// the same prediction on windows of window_s seconds every hop_s seconds, each window predicted
// as a clip of its own from the recording's feature frames inside it (timeline_windows.h).
// The model may be an ensemble: its members' logits are averaged.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/features/feature_extractor.h"
#include "core/model/checkpoint.h"
#include "core/model/sequence_model.h"
#include "core/predict/timeline_windows.h"

namespace calmspace {

struct Segment {
  double start_s = 0, end_s = 0;
  std::vector<float> probabilities;  // (C,)
  int predicted = 0;
};

struct Prediction {
  double duration_s = 0;
  std::vector<float> probabilities;  // (C,) for the whole recording
  int predicted = 0;
  std::vector<Segment> timeline;  // empty for short recordings
};

class Predictor {
 public:
  // `threads`: feature and model threads (0 = all cores). `device`: auto, cpu or cuda[:N]
  // (core/model/backend.h); empty = auto, whatever device the model was trained on, so a model
  // trained on a GPU predicts on a machine without one. GPU math: the checkpoint's precision.
  Predictor(const Checkpoint& checkpoint, int threads = 0, const std::string& device = "");
  // An ensemble (core/predict/model_file.h load_model_members): the members' logits are
  // averaged (core/train/ensemble.h). Features come from the first member's options, which
  // every member shares.
  explicit Predictor(std::span<const Checkpoint> members, int threads = 0,
                     const std::string& device = "");
  int num_members() const { return static_cast<int>(models_.size()); }

  const std::vector<std::string>& labels() const { return labels_; }
  const Config& config() const { return config_; }
  int sample_rate() const { return config_.audio.sample_rate; }

  // `samples`: mono at sample_rate(). Not thread-safe: one Predictor per thread.
  Prediction predict(std::span<const float> samples, const TimelineOptions& timeline = {});
  // Several recordings at once: every recording and every timeline window goes through the model
  // in ONE padded batch (a server batching concurrent requests: matrix products instead of
  // matrix-vector products). Same results as predict() on each, to float rounding.
  // InputError when any recording is too short for a feature frame (the caller retries alone).
  std::vector<Prediction> predict_many(std::span<const std::span<const float>> recordings,
                                       const TimelineOptions& timeline = {});
  // Probabilities (N, C) of several clips in one batch.
  std::vector<float> probabilities(std::span<const std::span<const float>> clips);

 private:
  Config config_;
  std::vector<std::string> labels_;
  std::unique_ptr<FeatureExtractor> extractor_;
  // logits_ = mean over models_ of each one's logits for the same rows.
  void mean_logits(const PaddedBatch& x, std::span<const PrefixRow> prefixes);

  std::vector<std::unique_ptr<SequenceModel>> models_;
  std::vector<float> logits_, member_logits_;
};

}  // namespace calmspace
