// Predictor::predict(): one recording of any length, block by block.
//   audio, kBlockSamples at a time -> FeatureStream rows (bit-identical to whole-recording
//   features) -> the whole recording: a RecurrentStream per member (unidirectional models), on
//             a thread of its own beside the windows when the run has more than one
//             -> the timeline: rows of the windows not yet predicted; each window as soon as it
//                is settled (TimelinePlan::settled), in batches of window_batch() windows of
//                their own frames only
// The rows of the whole recording are held only when the features need them all (CMVN) or a
// member cannot stream (bidirectional); memory_needed() counts them and the budget bounds them.
#include <algorithm>
#include <cstring>
#include <future>

#include "core/audio/trim.h"
#include "core/base/error.h"
#include "core/base/parallel.h"
#include "core/features/feature_stream.h"
#include "core/features/recording_norm.h"
#include "core/model/recurrent_stream.h"
#include "core/model/softmax.h"
#include "core/predict/predictor.h"

namespace calmspace {
namespace {

constexpr std::size_t kBlockSamples = std::size_t{1} << 16;  // 4.1 s at 16 kHz
// Model work of one batch of timeline windows (their frames' forward workspace).
constexpr std::int64_t kWindowBatchBytes = std::int64_t{32} << 20;
constexpr std::int64_t kMaxWindowBatch = 64;

bool streams_whole(const std::vector<std::unique_ptr<SequenceModel>>& models) {
  for (const auto& m : models)
    if (!RecurrentStream::unsupported_reason(m->options()).empty()) return false;
  return true;
}

std::string megabytes(std::int64_t bytes) {
  return cat((bytes + (1 << 20) - 1) >> 20, " MB");
}

}  // namespace

class LongFormRun {
 public:
  LongFormRun(Predictor& p, const std::string& name, const TimelineOptions& timeline)
      : p_(p),
        name_(name),
        features_(p.stream_features_, p.threads_),
        plan_(p.sample_rate(), timeline, p.stream_features_.layout()),
        dim_(features_.dim()),
        whole_recording_(features_.needs_whole_recording()),
        streamable_(streams_whole(p.models_)),
        quality_(p.sample_rate()) {
    if (streamable_ && !whole_recording_)
      for (const auto& m : p.models_) streams_.emplace_back(*m);
  }

  // `expected_samples`: the recording's length if known (an estimate is fine): a short one gets a
  // block no longer than itself.
  Prediction run(const Predictor::SampleReader& read, std::int64_t expected_samples) {
    std::vector<float> block(static_cast<std::size_t>(std::clamp<std::int64_t>(
        expected_samples + 1, 4096, static_cast<std::int64_t>(kBlockSamples))));
    for (;;) {
      const std::size_t n = read(block);
      if (n > 0) {
        quality_.push({block.data(), n});
        fresh_.clear();
        features_.push({block.data(), n}, fresh_);
        take_rows();
      }
      if (n < block.size()) break;
    }
    fresh_.clear();
    features_.finish(fresh_);
    take_rows();
    return finish();
  }

 private:
  std::int64_t frames() const { return features_.rows_out(); }
  bool hold_all() const { return whole_recording_ || !streamable_; }

  // The rows fresh_ holds: to the whole-recording streams, to the held rows, and on to windows.
  void take_rows() {
    const std::int64_t n = static_cast<std::int64_t>(fresh_.size()) / dim_;
    if (n == 0) return;
    stream_whole(n);
    rows_.insert(rows_.end(), fresh_.begin(), fresh_.end());
    if (hold_all() && p_.memory_budget_ > 0) {
      const std::int64_t need = held_bytes(frames());
      if (need > p_.memory_budget_)
        throw InputError(
            name_, cat("needs more than ", megabytes(need), " for this model (", whole_reason(),
                       "), over the memory budget of ", megabytes(p_.memory_budget_)));
    }
    if (!whole_recording_) predict_windows(/*final=*/false);
    drop_rows();
  }

  // The whole-recording streams take the n fresh rows: on a thread of their own when the run may
  // use more than one (they run beside the windows' batches, one block behind at most).
  void stream_whole(std::int64_t n) {
    if (streams_.empty()) return;
    if (streaming_.valid()) streaming_.get();  // the previous block is through (or rethrows)
    streaming_rows_.assign(fresh_.begin(), fresh_.end());
    const auto push = [this, n] {
      for (RecurrentStream& s : streams_) s.push(streaming_rows_.data(), n);
    };
    if (resolve_threads(p_.threads_) > 1)
      streaming_ = std::async(std::launch::async, push);
    else
      push();
  }

  std::string whole_reason() const {
    if (whole_recording_)
      return "its features' CMVN or prosody normalisation needs the whole recording";
    for (const auto& m : p_.models_)
      if (auto why = RecurrentStream::unsupported_reason(m->options()); !why.empty()) return why;
    return "";
  }

  // Bytes of held rows and of the one-clip forward over them, for `frames` frames.
  std::int64_t held_bytes(std::int64_t frames) const {
    const std::int64_t per_frame =
        dim_ * 4 + (streamable_ ? 0 : forward_bytes_per_frame(p_.models_[0]->options(), dim_));
    return frames * per_frame;
  }

  // Windows that are settled (or, at the end, all that are left) into batches.
  void predict_windows(bool final) {
    const std::int64_t samples = features_.samples_in();
    if (!plan_.has_timeline(samples)) return;  // at the end: no timeline at all
    for (;; ++next_window_) {
      const auto w = final ? plan_.window(next_window_, samples, frames())
                           : plan_.settled(next_window_, samples, frames());
      if (!w) break;
      pending_.push_back(*w);
      if (static_cast<std::int64_t>(pending_.size()) == batch_size(*w)) predict_pending();
    }
    if (final) predict_pending();
  }

  std::int64_t batch_size(const TimelineWindow& w) {
    if (window_batch_ == 0) window_batch_ = p_.window_batch(w.end_frame - w.first_frame + 1);
    return window_batch_;
  }

  // The pending windows, each on its own frames, in one batch.
  void predict_pending() {
    if (pending_.empty()) return;
    PaddedBatch x;
    x.batch = static_cast<std::int64_t>(pending_.size());
    x.dim = dim_;
    for (const TimelineWindow& w : pending_) {
      x.lengths.push_back(w.end_frame - w.first_frame);
      x.max_frames = std::max(x.max_frames, x.lengths.back());
    }
    x.data.assign(static_cast<std::size_t>(x.batch * x.max_frames * dim_), 0.0f);
    for (std::int64_t b = 0; b < x.batch; ++b) {
      const TimelineWindow& w = pending_[static_cast<std::size_t>(b)];
      CALMSPACE_CHECK(w.first_frame >= rows_begin_ && w.end_frame <= frames(), "window frames ",
                      w.first_frame, "..", w.end_frame, " not held (", rows_begin_, "..", frames(),
                      ")");
      std::copy_n(rows_.data() + (w.first_frame - rows_begin_) * dim_, x.lengths[b] * dim_,
                  x.data.data() + b * x.max_frames * dim_);
    }
    p_.mean_logits(x, {});
    const auto C = static_cast<std::int64_t>(p_.labels_.size());
    std::vector<float> probs(static_cast<std::size_t>(x.batch * C));
    softmax(p_.logits_, x.batch, C, probs);
    const std::vector<int> predicted = argmax_rows(probs, static_cast<int>(C));
    for (std::int64_t b = 0; b < x.batch; ++b) {
      WindowPrediction out;
      out.start_s = pending_[static_cast<std::size_t>(b)].start_s;
      out.end_s = pending_[static_cast<std::size_t>(b)].end_s;
      out.probabilities.assign(probs.begin() + b * C, probs.begin() + (b + 1) * C);
      out.predicted = predicted[static_cast<std::size_t>(b)];
      timeline_.push_back(std::move(out));
    }
    pending_.clear();
  }

  // Rows no window still to come reads (none are dropped while the whole recording is held).
  void drop_rows() {
    if (hold_all()) return;
    std::int64_t keep = frames();
    if (plan_.valid())
      keep = std::min(keep, pending_.empty() ? plan_.first_frame_of(next_window_)
                                             : pending_.front().first_frame);
    // The last window may start at the last frame (TimelinePlan::window clamps to it).
    keep = std::min(keep, frames() - 1);
    if (keep <= rows_begin_) return;
    rows_.erase(rows_.begin(), rows_.begin() + (keep - rows_begin_) * dim_);
    rows_begin_ = keep;
  }

  Prediction finish() {
    const std::int64_t T = frames();
    if (T == 0) throw InputError(name_, "too short to give a single feature frame");
    if (whole_recording_) {
      CALMSPACE_CHECK(rows_begin_ == 0, "CMVN without every row");
      finish_recording(rows_.data(), T, p_.stream_features_.options(), p_.sample_rate());
    }
    predict_windows(/*final=*/true);  // before the held rows move into the whole-recording batch
    const auto C = static_cast<std::int64_t>(p_.labels_.size());
    if (streaming_.valid()) streaming_.get();
    const std::vector<float> logits =
        streams_.empty() ? p_.logits_of_rows(rows_, T) : p_.stream_logits(streams_);

    Prediction out;
    out.duration_s = double(features_.samples_in()) / p_.sample_rate();
    out.probabilities.resize(static_cast<std::size_t>(C));
    softmax(logits, 1, C, out.probabilities);
    out.predicted = argmax_rows(out.probabilities, static_cast<int>(C)).front();
    out.timeline = std::move(timeline_);
    out.segments = timeline_segments(out.timeline, out.duration_s);
    out.quality = quality_.result();
    return out;
  }

  Predictor& p_;
  std::string name_;
  FeatureStream features_;
  TimelinePlan plan_;
  int dim_;
  bool whole_recording_;  // the features' CMVN or prosody needs every row before any is final
  bool streamable_;       // every member can run as a RecurrentStream
  std::vector<RecurrentStream> streams_;
  std::vector<float> streaming_rows_;  // the block the streams are working on
  std::future<void> streaming_;        // declared after what it uses: waited for first
  std::vector<float> fresh_;           // rows the last push gave
  std::vector<float> rows_;            // rows [rows_begin_, frames())
  std::int64_t rows_begin_ = 0;
  std::int64_t next_window_ = 0;
  std::int64_t window_batch_ = 0;
  std::vector<TimelineWindow> pending_;
  std::vector<WindowPrediction> timeline_;
  QualityMeter quality_;
};

Prediction Predictor::predict_stream(const SampleReader& read, const std::string& name,
                                     std::int64_t expected_samples,
                                     const TimelineOptions& timeline) {
  if (memory_budget_ > 0) {
    const std::int64_t need = memory_needed(expected_samples, timeline);
    if (need > memory_budget_)
      throw InputError(name, cat("needs about ", megabytes(need), " to predict (",
                                 double(expected_samples) / sample_rate(),
                                 " s), over the memory budget of ", megabytes(memory_budget_)));
  }
  if (config_.audio.trim_db > 0) return predict_trimmed(read, name, expected_samples, timeline);
  Prediction p = LongFormRun(*this, name, timeline).run(read, expected_samples);
  check_finite(p, name);
  return p;
}

// audio.trim_db: the recording is held until it ends or passes audio.trim_max_s. One that ended is
// predicted on its kept samples (core/audio/trim.h); a longer one whole, its held start first.
Prediction Predictor::predict_trimmed(const SampleReader& read, const std::string& name,
                                      std::int64_t expected_samples,
                                      const TimelineOptions& timeline) {
  const auto limit = static_cast<std::int64_t>(config_.audio.trim_max_s * sample_rate());
  std::vector<float> held;
  if (expected_samples > 0 && expected_samples <= limit)  // else (unknown, or too long) it grows
    held.reserve(static_cast<std::size_t>(expected_samples) + 1);
  bool ended = false;
  while (!ended && static_cast<std::int64_t>(held.size()) <= limit) {
    const std::size_t at = held.size();
    const auto want = static_cast<std::size_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(kBlockSamples), limit + 1 - at));
    held.resize(at + want);
    const std::size_t n = read({held.data() + at, want});
    held.resize(at + n);
    ended = n < want;
  }
  if (ended) {
    const SampleRange kept = kept_range(held, config_.audio);
    std::size_t at = static_cast<std::size_t>(kept.begin);
    const auto end = static_cast<std::size_t>(kept.end);
    Prediction p = LongFormRun(*this, name, timeline)
                       .run(
                           [&](std::span<float> out) {
                             const std::size_t n = std::min(out.size(), end - at);
                             std::memcpy(out.data(), held.data() + at, n * sizeof(float));
                             at += n;
                             return n;
                           },
                           kept.size());
    place_in_recording(p, double(kept.begin) / sample_rate(), double(held.size()) / sample_rate());
    p.quality = assess_recording(held, sample_rate());
    check_finite(p, name);
    return p;
  }
  std::size_t replayed = 0;
  Prediction p = LongFormRun(*this, name, timeline)
                     .run(
                         [&](std::span<float> out) {
                           if (held.empty()) return read(out);
                           const std::size_t n = std::min(out.size(), held.size() - replayed);
                           std::memcpy(out.data(), held.data() + replayed, n * sizeof(float));
                           replayed += n;
                           if (replayed == held.size()) std::vector<float>().swap(held);  // done
                           return n == out.size() ? n : n + read(out.subspan(n));
                         },
                         expected_samples);
  check_finite(p, name);
  return p;
}

Prediction Predictor::predict(AudioStream& audio, const TimelineOptions& timeline) {
  return predict_stream([&](std::span<float> out) { return audio.read(out); }, audio.name(),
                        audio.expected_samples(), timeline);
}

Prediction Predictor::predict(std::span<const float> samples, const TimelineOptions& timeline) {
  std::size_t at = 0;
  return predict_stream(
      [&](std::span<float> out) {
        const std::size_t n = std::min(out.size(), samples.size() - at);
        std::memcpy(out.data(), samples.data() + at, n * sizeof(float));
        at += n;
        return n;
      },
      "audio", static_cast<std::int64_t>(samples.size()), timeline);
}

std::vector<float> Predictor::logits_of_rows(std::vector<float>& rows, std::int64_t T) {
  const int dim = stream_features_.feature_dim();
  if (!streams_whole(models_)) {
    PaddedBatch x;
    x.batch = 1;
    x.max_frames = T;
    x.dim = dim;
    x.lengths = {T};
    x.data = std::move(rows);
    mean_logits(x, {});
    return logits_;
  }
  // Through fresh streams, a block of rows at a time (bounded workspaces).
  constexpr std::int64_t kRows = 4096;
  if (row_streams_.empty())
    for (const auto& m : models_) row_streams_.emplace_back(*m);
  for (RecurrentStream& s : row_streams_) {
    s.reset();
    for (std::int64_t t = 0; t < T; t += kRows)
      s.push(rows.data() + t * dim, std::min(kRows, T - t));
  }
  return stream_logits(row_streams_);
}

std::vector<float> Predictor::stream_logits(std::span<const RecurrentStream> streams) const {
  std::vector<float> logits(labels_.size(), 0.0f);
  for (const RecurrentStream& s : streams) {
    const std::vector<float> z = s.logits();
    for (std::size_t c = 0; c < logits.size(); ++c) logits[c] += z[c];
  }
  const float scale = mean_logit_scale(streams.size(), config_.model.temperature);
  for (float& z : logits) z *= scale;
  return logits;
}

std::int64_t Predictor::window_batch(std::int64_t window_frames) const {
  const std::int64_t per_window =
      std::max<std::int64_t>(1, window_frames) *
      (forward_bytes_per_frame(models_[0]->options(), extractor_->feature_dim()) +
       extractor_->feature_dim() * 4);
  return std::clamp<std::int64_t>(kWindowBatchBytes / per_window, 1, kMaxWindowBatch);
}

std::int64_t Predictor::memory_needed(std::int64_t num_samples,
                                      const TimelineOptions& timeline) const {
  const FrameLayout& layout = stream_features_.layout();
  const std::int64_t F = extractor_->feature_dim(), T = layout.num_frames(num_samples);
  const auto C = static_cast<std::int64_t>(labels_.size());
  const std::int64_t per_frame =
      forward_bytes_per_frame(models_[0]->options(), static_cast<int>(F));
  const std::int64_t block_frames = static_cast<std::int64_t>(kBlockSamples) / layout.hop + 2;
  // Audio block, the feature stream's samples and rows, the whole-recording streams' block.
  std::int64_t bytes =
      3 * static_cast<std::int64_t>(kBlockSamples) * 4 + block_frames * (2 * F * 4 + per_frame);
  const TimelinePlan plan(sample_rate(), timeline, layout);
  if (plan.has_timeline(num_samples)) {
    const std::int64_t window_frames =
        std::min(T, static_cast<std::int64_t>(timeline.window_s * sample_rate()) / layout.hop + 2);
    const std::int64_t windows =
        static_cast<std::int64_t>(double(num_samples) / sample_rate() / timeline.hop_s) + 2;
    bytes += std::min(window_batch(window_frames), windows) * window_frames *
             (per_frame + F * 4);                         // one batch
    bytes += 2 * (window_frames + block_frames) * F * 4;  // rows held
    bytes += windows * (2 * C * 4 + 128);                 // the timeline and its segments
  }
  // Held rows (LongFormRun::held_bytes).
  const bool streamable = streams_whole(models_);
  if (needs_whole_recording(stream_features_.options()) || !streamable)
    bytes += T * (F * 4 + (streamable ? 0 : per_frame));
  // audio.trim_db: the samples held until the recording ends (predict_trimmed), three times for
  // growth when its length was not known (the old and the doubled buffer while it moves).
  if (config_.audio.trim_db > 0)
    bytes += 3 * 4 *
             (std::min(num_samples,
                       static_cast<std::int64_t>(config_.audio.trim_max_s * sample_rate())) +
              1);
  return bytes;
}

}  // namespace calmspace
