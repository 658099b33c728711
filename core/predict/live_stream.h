// The emotion of a voice while it is still speaking: audio arrives in chunks of any size (one
// sample to seconds) and every hop_s seconds of audio gives an update with
//   - the window: the last window_s seconds of audio (all of it while shorter) predicted as a clip
//     of its own, so it equals Predictor::predict() of exactly those samples;
//   - the stream so far: every feature frame the stream has completed, as one clip. After
//     finish() it equals Predictor::predict() of the whole stream (to float rounding).
// Updates fall on hop boundaries of the audio, not of the chunks: the same audio gives the same
// updates however it was cut (tests/predict/live_stream_test.cpp).
//
// How the stream so far is kept (so_far_mode()):
//   carried: a unidirectional model whose features need no whole-recording step runs as a
//     RecurrentStream per member over the FeatureStream's rows: each frame once, memory bounded,
//     fresh every hop;
//   recomputed: per-utterance CMVN or prosody normalisation (their statistics change with every
//     frame) or a bidirectional member: the rows are held and the so-far is predicted again from
//     all of them, when the stream has grown by 1/kSoFarGrowth of its length since the last time
//     (every hop while short). Its cost per second of audio stays constant (kSoFarGrowth passes
//     over the stream per doubling), so the total stays linear in the stream's length; the update
//     says which frames it covers (so_far_s). A unidirectional model's pass runs kPassFrames
//     frames per update on a normalised snapshot of the rows, so no update waits for a pass over
//     a long stream (the pass keeps up: 1/kSoFarGrowth of the stream arrives meanwhile, at far
//     fewer frames per update); a bidirectional one needs all frames at once and passes whole.
// Memory: the window's samples and the feature stream's, plus, when recomputed, the held rows
// (feature_dim floats per frame, e.g. 77 KB per second for 192 features at 100 frames/s): a
// caller bounds the stream's length (the server does) or the Predictor's memory budget stops it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/features/feature_stream.h"
#include "core/model/recurrent_stream.h"
#include "core/predict/predictor.h"

namespace calmspace {

struct LiveOptions {
  double hop_s = 0.25;    // an update every hop_s seconds of audio
  double window_s = 3.0;  // the "now" window's length, seconds
};

struct LiveUpdate {
  double time_s = 0;          // seconds of audio received at this update
  double window_start_s = 0;  // the window is [window_start_s, time_s]
  std::vector<float> window;  // (C) its probabilities; empty while too short for a frame
  int window_predicted = -1;
  double so_far_s = 0;        // the so-far covers the frames centred before this (time_s if final)
  std::vector<float> so_far;  // (C) the stream so far; empty before its first frame
  int so_far_predicted = -1;
  double level_dbfs = -120;  // RMS level of the last hop's samples (floor -120 dBFS)
  bool final = false;        // finish()'s update
};

class LiveStream {
 public:
  // How many times a recomputed so-far may pass over the stream while its length doubles.
  static constexpr double kSoFarGrowth = 8;
  // Frames of a recomputed so-far's pass run per update (unidirectional models).
  static constexpr std::int64_t kPassFrames = 256;

  // `predictor` must outlive the stream and is used by it alone meanwhile (not thread-safe).
  // InputError("live.hop_s" / "live.window_s", reason) for a hop or window that is not positive
  // and finite, or a hop shorter than one sample.
  LiveStream(Predictor& predictor, const LiveOptions& options = {});

  // "carried", or "recomputed: <why>".
  const std::string& so_far_mode() const { return mode_; }
  double seconds() const { return double(received_) / rate_; }

  // Takes the next samples (mono, predictor.sample_rate()) and appends an update for every hop
  // boundary they reach. InputError("live", reason) when a sample is not finite.
  void push(std::span<const float> samples, std::vector<LiveUpdate>& updates);
  // Ends the stream: the last update, at its full length, with the so-far over every frame
  // (equal to the offline prediction). InputError("live", ...) when no frame fits in the audio.
  // No push() after it.
  LiveUpdate finish();

 private:
  LiveUpdate update(bool final);
  void take_rows();
  void refresh_so_far(bool final);
  std::vector<float> window_samples() const;

  Predictor& p_;
  LiveOptions options_;
  double rate_;
  std::int64_t hop_, window_;  // in samples
  FeatureStream features_;
  int dim_;
  bool carried_;
  bool sliced_;  // every member can stream: a recomputed so-far's pass runs in slices
  std::string mode_;
  std::vector<RecurrentStream> streams_;  // carried: one per member

  std::vector<float> recent_;  // the last samples (at least window_ of them once that many came)
  std::int64_t received_ = 0;
  std::int64_t next_update_;  // sample count of the next hop boundary
  double hop_energy_ = 0;     // sum of squares since the last update
  std::int64_t hop_count_ = 0;

  std::vector<float> fresh_, rows_;  // rows from the last push; recomputed: all rows
  std::vector<float> so_far_logits_;
  std::int64_t so_far_frames_ = 0;  // frames the so-far covers

  // A recomputed so-far's pass in progress (unidirectional models): the normalised snapshot of
  // frames [0, pass_frames_), pass_at_ of them through pass_streams_.
  std::vector<float> pass_rows_;
  std::vector<RecurrentStream> pass_streams_;
  std::int64_t pass_frames_ = 0, pass_at_ = 0;
  bool finished_ = false;
};

}  // namespace calmspace
