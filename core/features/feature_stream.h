// Features of a recording that arrives in pieces (a long file read block by block, a live
// stream): the rows CpuFeatureExtractor::extract() gives for the whole recording, bit for bit,
// each emitted as soon as every sample it depends on has arrived. Memory stays bounded: only the
// samples the next frames read (about n_fft) and the rows deltas still need are kept.
//   frame t reads samples first_sample(t) .. + win (framing.h), reflected at the clip's edges:
//   a centred frame near the start reads the first n_fft/2 samples, which have arrived by then;
//   frames reaching past the end wait for finish(), which knows the length.
//   deltas of frame t need base rows t-N..t+N (delta-deltas t-2N..t+2N): rows are emitted
//   that many frames late, and finish() applies the edge rule to the last ones.
// CMVN and the prosody normalisation need the whole recording's statistics: rows come out before
// them, and a caller whose options have one (needs_whole_recording()) holds the rows and calls
// finish_recording (recording_norm.h) at the end.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/features/cpu_feature_extractor.h"

namespace calmspace {

class FeatureStream {
 public:
  // `extractor` must outlive the stream; `threads` share each piece's frames (0 = all cores).
  FeatureStream(const CpuFeatureExtractor& extractor, int threads);

  int dim() const { return dim_; }
  bool needs_whole_recording() const;  // CMVN, prosody: see above
  std::int64_t samples_in() const { return received_; }
  std::int64_t rows_out() const { return out_end_; }

  // Takes the next samples; appends the rows they complete to `rows` ((n, dim()) row-major) and
  // returns n.
  std::int64_t push(std::span<const float> samples, std::vector<float>& rows);
  // The recording has ended: appends its remaining rows, after which rows_out() ==
  // extractor.num_frames(samples_in()). No push() after it.
  std::int64_t finish(std::vector<float>& rows);

 private:
  // Base rows of frames [base_end_, end) from the samples held; `total` as in SignalView.
  void compute_base(std::int64_t end, std::int64_t total);
  // Deltas of the rows that have their neighbours (all of them once `final`), then moves the
  // finished rows to `rows` and drops what no later row needs.
  std::int64_t emit(bool final, std::vector<float>& rows);
  // Frames whose samples (reflected at the start) have all arrived.
  std::int64_t frames_ready() const;

  const CpuFeatureExtractor& extractor_;
  int threads_;
  int dim_, base_dim_, half_window_, deltas_;
  FrameLayout layout_;

  std::vector<float> samples_;  // conditioned samples [samples_begin_, received_)
  std::int64_t samples_begin_ = 0, received_ = 0;
  float last_raw_ = 0.0f;  // the raw sample before the next one (pre-emphasis)

  std::vector<float> rows_;  // full rows (dim) of frames [rows_begin_, base_end_)
  std::int64_t rows_begin_ = 0;
  std::int64_t base_end_ = 0;       // frames with their base part
  std::int64_t delta_end_ = 0;      // ... and their deltas (deltas >= 1)
  std::int64_t ddelta_end_ = 0;     // ... and their delta-deltas (deltas == 2)
  std::int64_t out_end_ = 0;        // rows handed out
  std::int64_t total_frames_ = -1;  // known at finish()
  bool finished_ = false;
};

}  // namespace calmspace
