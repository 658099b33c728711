#include "core/features/feature_stream.h"

#include <algorithm>

#include "core/base/error.h"
#include "core/features/deltas.h"
#include "core/features/recording_norm.h"

namespace calmspace {

FeatureStream::FeatureStream(const CpuFeatureExtractor& extractor, int threads)
    : extractor_(extractor),
      threads_(threads),
      dim_(extractor.feature_dim()),
      base_dim_(extractor.base_dim()),
      half_window_(extractor.options().delta_window),
      deltas_(extractor.options().deltas),
      layout_(extractor.layout()) {}

bool FeatureStream::needs_whole_recording() const {
  return calmspace::needs_whole_recording(extractor_.options());
}

std::int64_t FeatureStream::frames_ready() const {
  // Frame t reads [s, s + win) with s = t * hop + c; centred frames reflect negative indices i to
  // -i, which have arrived once received_ > -c. A frame is ready when s + win <= received_.
  const std::int64_t c = layout_.first_sample(0);
  if (c < 0 && received_ <= -c) return 0;
  const std::int64_t room = received_ - c - layout_.win;
  return room < 0 ? 0 : room / layout_.hop + 1;
}

void FeatureStream::compute_base(std::int64_t end, std::int64_t total) {
  if (end <= base_end_) return;
  const std::int64_t count = end - base_end_;
  const auto held = static_cast<std::size_t>(base_end_ - rows_begin_);
  rows_.resize((held + static_cast<std::size_t>(count)) * static_cast<std::size_t>(dim_));
  const SignalView signal{samples_.data(), samples_begin_,
                          static_cast<std::int64_t>(samples_.size()), total};
  extractor_.base_rows(signal, base_end_, count, rows_.data() + held * dim_, dim_, threads_);
  base_end_ = end;
}

std::int64_t FeatureStream::push(std::span<const float> samples, std::vector<float>& rows) {
  CALMSPACE_CHECK(!finished_, "push after finish");
  if (samples.empty()) return 0;
  const std::size_t at = samples_.size();
  samples_.insert(samples_.end(), samples.begin(), samples.end());
  if (extractor_.conditions_samples())
    extractor_.condition({samples_.data() + at, samples.size()}, last_raw_, received_);
  last_raw_ = samples.back();
  received_ += static_cast<std::int64_t>(samples.size());

  compute_base(frames_ready(), received_);
  const std::int64_t n = emit(false, rows);
  // Keep n_fft samples before the next frame's first: a frame that finish() reflects at the end
  // reads back at most that far.
  const std::int64_t keep =
      std::max<std::int64_t>(0, layout_.first_sample(base_end_) - layout_.n_fft);
  if (keep > samples_begin_) {
    const auto drop = static_cast<std::ptrdiff_t>(std::min(keep, received_) - samples_begin_);
    samples_.erase(samples_.begin(), samples_.begin() + drop);
    samples_begin_ += drop;
  }
  return n;
}

std::int64_t FeatureStream::finish(std::vector<float>& rows) {
  CALMSPACE_CHECK(!finished_, "finish twice");
  finished_ = true;
  total_frames_ = layout_.num_frames(received_);
  compute_base(total_frames_, received_);
  return emit(true, rows);
}

std::int64_t FeatureStream::emit(bool final, std::vector<float>& rows) {
  const std::int64_t N = half_window_;
  const auto row_at = [&](std::int64_t u) {  // frame u's row, the edge rule applied
    u = final ? std::clamp<std::int64_t>(u, 0, total_frames_ - 1) : std::max<std::int64_t>(u, 0);
    return rows_.data() + (u - rows_begin_) * dim_;
  };
  if (deltas_ >= 1) {
    const std::int64_t end = final ? base_end_ : base_end_ - N;
    for (; delta_end_ < end; ++delta_end_)
      delta_row(row_at, delta_end_, base_dim_, half_window_, row_at(delta_end_) + base_dim_);
  }
  if (deltas_ >= 2) {
    const auto delta_at = [&](std::int64_t u) { return row_at(u) + base_dim_; };
    const std::int64_t end = final ? delta_end_ : delta_end_ - N;
    for (; ddelta_end_ < end; ++ddelta_end_)
      delta_row(delta_at, ddelta_end_, base_dim_, half_window_,
                row_at(ddelta_end_) + 2 * base_dim_);
  }
  const std::int64_t ready = deltas_ == 0 ? base_end_ : deltas_ == 1 ? delta_end_ : ddelta_end_;
  const std::int64_t n = std::max<std::int64_t>(0, ready - out_end_);
  if (n > 0) {
    const float* first = rows_.data() + (out_end_ - rows_begin_) * dim_;
    rows.insert(rows.end(), first, first + n * dim_);
    out_end_ = ready;
  }
  // Rows a later delta (t - N from delta_end_) or delta-delta still reads stay.
  std::int64_t keep = out_end_;
  if (deltas_ >= 1) keep = std::min(keep, delta_end_ - N);
  if (deltas_ >= 2) keep = std::min(keep, ddelta_end_ - N);
  keep = std::max<std::int64_t>(keep, 0);
  if (keep > rows_begin_) {
    rows_.erase(rows_.begin(), rows_.begin() + (keep - rows_begin_) * dim_);
    rows_begin_ = keep;
  }
  return n;
}

}  // namespace calmspace
