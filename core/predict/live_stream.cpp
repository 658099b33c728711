#include "core/predict/live_stream.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/base/error.h"
#include "core/features/recording_norm.h"
#include "core/model/softmax.h"

namespace calmspace {
namespace {

std::int64_t samples_of(double seconds, double rate, const char* key) {
  if (!std::isfinite(seconds) || seconds <= 0)
    throw InputError(key, cat("must be a positive number of seconds, not ", seconds));
  const double n = std::round(seconds * rate);
  if (n < 1) throw InputError(key, cat(seconds, " s is shorter than one sample at ", rate, " Hz"));
  if (n > 1e12) throw InputError(key, cat(seconds, " s is too long"));
  return static_cast<std::int64_t>(n);
}

void probabilities_of(const std::vector<float>& logits, std::vector<float>& probs, int& predicted) {
  const auto C = static_cast<std::int64_t>(logits.size());
  probs.resize(logits.size());
  softmax(logits, 1, C, probs);
  predicted = argmax_rows(probs, static_cast<int>(C)).front();
}

}  // namespace

LiveStream::LiveStream(Predictor& predictor, const LiveOptions& options)
    : p_(predictor),
      options_(options),
      rate_(predictor.sample_rate()),
      hop_(samples_of(options.hop_s, rate_, "live.hop_s")),
      window_(samples_of(options.window_s, rate_, "live.window_s")),
      features_(predictor.stream_features_, 1),
      dim_(features_.dim()),
      next_update_(hop_) {
  if (p_.config().audio.trim_db > 0)
    throw InputError(
        "model",
        "cuts a recording's leading and trailing silence (audio.trim_db), which a live "
        "stream cannot do before it ends; live analysis needs a model without it");
  std::string why;
  if (features_.needs_whole_recording())
    why = "the features' CMVN or prosody normalisation needs the whole stream";
  for (const auto& m : p_.models_)
    if (why.empty()) why = RecurrentStream::unsupported_reason(m->options());
  carried_ = why.empty();
  sliced_ = true;
  for (const auto& m : p_.models_)
    sliced_ = sliced_ && RecurrentStream::unsupported_reason(m->options()).empty();
  mode_ = carried_ ? "carried" : "recomputed: " + why;
  if (carried_)
    for (const auto& m : p_.models_) streams_.emplace_back(*m);
}

void LiveStream::push(std::span<const float> samples, std::vector<LiveUpdate>& updates) {
  CALMSPACE_CHECK(!finished_, "LiveStream::push after finish");
  for (std::size_t i = 0; i < samples.size(); ++i)
    if (!std::isfinite(samples[i]))
      throw InputError("live", cat("sample ", received_ + static_cast<std::int64_t>(i), " (at ",
                                   double(received_ + static_cast<std::int64_t>(i)) / rate_,
                                   " s) is not a finite number"));
  while (!samples.empty()) {
    const auto take = static_cast<std::size_t>(std::min<std::int64_t>(
        static_cast<std::int64_t>(samples.size()), next_update_ - received_));
    const std::span<const float> piece = samples.first(take);
    samples = samples.subspan(take);
    recent_.insert(recent_.end(), piece.begin(), piece.end());
    for (const float x : piece) hop_energy_ += double(x) * x;
    hop_count_ += static_cast<std::int64_t>(take);
    received_ += static_cast<std::int64_t>(take);
    features_.push(piece, fresh_);
    take_rows();
    if (received_ == next_update_) {
      updates.push_back(update(/*final=*/false));
      next_update_ += hop_;
    }
    // Keep the window's samples; drop older ones in batches (amortised constant per sample).
    if (static_cast<std::int64_t>(recent_.size()) >= 2 * window_ + hop_)
      recent_.erase(recent_.begin(), recent_.end() - window_);
  }
}

LiveUpdate LiveStream::finish() {
  CALMSPACE_CHECK(!finished_, "LiveStream::finish twice");
  features_.finish(fresh_);
  take_rows();
  finished_ = true;
  if (features_.rows_out() == 0)
    throw InputError(
        "live", cat("the stream (", seconds(), " s) is too short to give a single feature frame"));
  return update(/*final=*/true);
}

void LiveStream::take_rows() {
  const std::int64_t n = static_cast<std::int64_t>(fresh_.size()) / dim_;
  if (n > 0) {
    if (carried_) {
      for (RecurrentStream& s : streams_) s.push(fresh_.data(), n);
    } else {
      rows_.insert(rows_.end(), fresh_.begin(), fresh_.end());
      const auto held = static_cast<std::int64_t>(rows_.size() * sizeof(float));
      if (p_.memory_budget() > 0 && held > p_.memory_budget())
        throw InputError("live",
                         cat("the stream (", seconds(), " s) needs more than ", held >> 20,
                             " MB of held features (", mode_, "), over the memory budget of ",
                             p_.memory_budget() >> 20, " MB"));
    }
  }
  fresh_.clear();
}

void LiveStream::refresh_so_far(bool final) {
  const std::int64_t T = features_.rows_out();
  if (T == 0 || (T == so_far_frames_ && !final)) return;
  if (carried_) {
    so_far_logits_ = p_.stream_logits(streams_);
    so_far_frames_ = T;
    return;
  }
  const bool whole = features_.needs_whole_recording();
  if (final) {  // every frame at once; the held rows are not needed afterwards: normalised in place
    if (whole) finish_recording(rows_.data(), T, p_.stream_features_.options(), p_.sample_rate());
    so_far_logits_ = p_.logits_of_rows(rows_, T);
    so_far_frames_ = T;
    pass_rows_ = {};
    return;
  }
  if (pass_frames_ == 0) {  // no pass running: start one when the stream has grown enough
    if (so_far_frames_ > 0 && double(T - so_far_frames_) * kSoFarGrowth < double(so_far_frames_))
      return;
    pass_rows_.assign(rows_.begin(), rows_.begin() + T * dim_);
    if (whole)
      finish_recording(pass_rows_.data(), T, p_.stream_features_.options(), p_.sample_rate());
    if (sliced_ && pass_streams_.empty())
      for (const auto& m : p_.models_) pass_streams_.emplace_back(*m);
    for (RecurrentStream& s : pass_streams_) s.reset();
    pass_frames_ = T;
    pass_at_ = 0;
  }
  if (!sliced_) {  // a bidirectional member: the whole pass now
    so_far_logits_ = p_.logits_of_rows(pass_rows_, pass_frames_);
    pass_at_ = pass_frames_;
  } else {
    const std::int64_t n = std::min(kPassFrames, pass_frames_ - pass_at_);
    for (RecurrentStream& s : pass_streams_) s.push(pass_rows_.data() + pass_at_ * dim_, n);
    pass_at_ += n;
    if (pass_at_ < pass_frames_) return;
    so_far_logits_ = p_.stream_logits(pass_streams_);
  }
  so_far_frames_ = pass_frames_;
  pass_frames_ = 0;
  pass_rows_ = {};
}

std::vector<float> LiveStream::window_samples() const {
  const auto n = std::min<std::int64_t>(window_, static_cast<std::int64_t>(recent_.size()));
  return {recent_.end() - n, recent_.end()};
}

LiveUpdate LiveStream::update(bool final) {
  LiveUpdate u;
  u.final = final;
  u.time_s = double(received_) / rate_;
  if (hop_count_ > 0 && hop_energy_ > 0)
    u.level_dbfs = std::max(-120.0, 10.0 * std::log10(hop_energy_ / double(hop_count_)));
  hop_energy_ = 0;
  hop_count_ = 0;

  const std::vector<float> w = window_samples();
  u.window_start_s = double(received_ - static_cast<std::int64_t>(w.size())) / rate_;
  if (p_.stream_features_.num_frames(static_cast<std::int64_t>(w.size())) > 0) {
    TimelineOptions no_timeline;
    no_timeline.min_duration_s = std::numeric_limits<double>::infinity();
    const Prediction pw = p_.predict(w, no_timeline);
    u.window = pw.probabilities;
    u.window_predicted = pw.predicted;
  }

  refresh_so_far(final);
  if (so_far_frames_ > 0) {
    probabilities_of(so_far_logits_, u.so_far, u.so_far_predicted);
    const FrameLayout& layout = p_.stream_features_.layout();
    const double centre =
        (double(layout.first_sample(so_far_frames_ - 1)) + 0.5 * layout.win) / rate_;
    u.so_far_s = final ? u.time_s : std::min(u.time_s, centre);
  }
  return u;
}

}  // namespace calmspace
