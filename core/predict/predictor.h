// Inference with a trained model: audio -> features (the options the model was trained with,
// read from its checkpoint) -> model -> class probabilities; for long recordings also a timeline:
// the same prediction on windows of window_s seconds every hop_s seconds, each window predicted
// as a clip of its own from the recording's feature frames inside it (timeline_windows.h), and
// the timeline as segments of one emotion (segments.h).
// The model may be an ensemble: its members' logits are averaged.
// A model trained with audio.trim_db hears each recording with its leading and trailing silence
// cut (core/audio/trim.h; recordings up to audio.trim_max_s): the prediction and the timeline are
// of the kept samples, its times in the recording's own seconds, its level and clipping checks of
// the whole recording.
// Two paths with the same results (to float rounding, tests/predict):
//   predict(): one recording of any length, read block by block (long_form.cpp): time linear in
//     the duration, memory bounded by a block of audio and features and a batch of windows (and,
//     for a model with audio.trim_db, the recording's first audio.trim_max_s of samples);
//   predict_many(): several short recordings and their windows in ONE padded batch (a server
//     batching concurrent requests), memory proportional to recordings x longest recording.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/audio/audio_stream.h"
#include "core/config/config.h"
#include "core/features/cpu_feature_extractor.h"
#include "core/features/feature_extractor.h"
#include "core/model/recurrent_stream.h"
#include "core/model/sequence_model.h"
#include "core/predict/recording_quality.h"
#include "core/predict/segments.h"
#include "core/predict/timeline_windows.h"
#include "core/run/checkpoint.h"

namespace calmspace {

struct Prediction;
// InputError(name, reason) when any probability of `p` (the recording's or a window's) is not
// finite: samples that are not (or huge), or a model with non-finite weights. Never a NaN shown.
void check_finite(const Prediction& p, const std::string& name);

struct Prediction {
  double duration_s = 0;
  std::vector<float> probabilities;  // (C,) for the whole recording
  int predicted = 0;
  std::vector<WindowPrediction> timeline;  // empty for short recordings
  std::vector<Segment> segments;           // the timeline's runs of one emotion (segments.h)
  RecordingQuality quality;                // level, clipping, length and their warnings
};

class Predictor {
 public:
  // `threads`: feature and model threads (0 = all cores). `device`: auto, cpu or cuda[:N]
  // (core/base/device.h); empty = auto, whatever device the model was trained on, so a model
  // trained on a GPU predicts on a machine without one. GPU math: the checkpoint's precision.
  // Features of predict_many() come from the extractor features.device names (auto: `device`);
  // predict() computes them block by block on the CPU (FeatureStream).
  Predictor(const Checkpoint& checkpoint, int threads = 0, const std::string& device = "");
  // An ensemble (core/export/model_file.h load_model_members): the members' logits are
  // averaged (core/train/ensemble.h). Features come from the first member's options, which
  // every member shares.
  explicit Predictor(std::span<const Checkpoint> members, int threads = 0,
                     const std::string& device = "");
  int num_members() const { return static_cast<int>(models_.size()); }

  const std::vector<std::string>& labels() const { return labels_; }
  const Config& config() const { return config_; }
  int sample_rate() const { return config_.audio.sample_rate; }

  // One recording of any length, block by block (see above). Not thread-safe: one Predictor per
  // thread. InputError(recording, reason): too short for a feature frame; more memory than the
  // budget (set_memory_budget) for a model or features that need the whole recording at once.
  Prediction predict(AudioStream& audio, const TimelineOptions& timeline = {});
  // `samples`: mono at sample_rate(); the same path.
  Prediction predict(std::span<const float> samples, const TimelineOptions& timeline = {});

  // Bytes predict() may use at its peak for a recording of num_samples samples (an estimate
  // within a few MB; the decoded audio of an in-memory recording not included).
  std::int64_t memory_needed(std::int64_t num_samples, const TimelineOptions& timeline = {}) const;
  // predict() refuses, before any work, a recording whose memory_needed() exceeds `bytes`, and
  // stops one whose held frames grow past it (a length the header understated); 0 = no limit.
  void set_memory_budget(std::int64_t bytes) { memory_budget_ = bytes; }
  std::int64_t memory_budget() const { return memory_budget_; }

  // Several recordings at once: every recording and every timeline window goes through the model
  // in ONE padded batch (a server batching concurrent requests: matrix products instead of
  // matrix-vector products). Same results as predict() on each, to float rounding.
  // InputError when any recording is too short for a feature frame (the caller retries alone).
  std::vector<Prediction> predict_many(std::span<const std::span<const float>> recordings,
                                       const TimelineOptions& timeline = {});
  // Probabilities (N, C) of several clips in one batch.
  std::vector<float> probabilities(std::span<const std::span<const float>> clips);

 private:
  friend class LongFormRun;  // long_form.cpp
  friend class LiveStream;   // live_stream.h
  using SampleReader = std::function<std::size_t(std::span<float>)>;
  Prediction predict_stream(const SampleReader& read, const std::string& name,
                            std::int64_t expected_samples, const TimelineOptions& timeline);
  // predict_stream() of a model that trims silence (audio.trim_db): long_form.cpp.
  Prediction predict_trimmed(const SampleReader& read, const std::string& name,
                             std::int64_t expected_samples, const TimelineOptions& timeline);
  // logits_ = mean over models_ of each one's logits for the same rows, divided by the
  // calibrated model.temperature (core/eval/calibration.h): softmax(logits_) is what we report.
  void mean_logits(const PaddedBatch& x, std::span<const PrefixRow> prefixes);
  // The calibrated mean logits (C) of one recording's rows (T, dim), already through
  // finish_recording when the features need it: through fresh RecurrentStreams when every member
  // can stream (the rows are kept; the streams are reused), else as one padded batch (the rows
  // are moved into it).
  std::vector<float> logits_of_rows(std::vector<float>& rows, std::int64_t T);
  // The calibrated mean of the streams' logits (one per member, in models_ order).
  std::vector<float> stream_logits(std::span<const RecurrentStream> streams) const;
  // A prediction made on the samples kept of a recording (audio.trim_db, core/audio/trim.h) in
  // the recording's own time: windows moved by offset_s, the duration and segments of the whole.
  static void place_in_recording(Prediction& p, double offset_s, double duration_s);
  // Timeline windows predicted at once by predict(): bounded by kWindowBatchBytes of model work.
  std::int64_t window_batch(std::int64_t window_frames) const;

  Config config_;
  std::vector<std::string> labels_;
  int threads_ = 0;
  std::int64_t memory_budget_ = 0;
  std::unique_ptr<FeatureExtractor> extractor_;
  CpuFeatureExtractor stream_features_;  // predict()'s block-by-block features
  std::vector<std::unique_ptr<SequenceModel>> models_;
  std::vector<float> logits_, member_logits_;
  std::vector<RecurrentStream> row_streams_;  // logits_of_rows(): one per member, reset each time
};

}  // namespace calmspace
