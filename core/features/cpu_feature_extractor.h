// The CPU reference feature backend (FFTW, float32), built by make_cpu_feature_extractor().
// Per clip, in blocks of frames (no per-frame allocation):
//   samples -> pre-emphasis -> dither -> frames x window (framing.h) -> r2c FFT (fft.h)
//   -> power or magnitude -> [kind logmel/mfcc: sparse mel filterbank] -> log(max(x, log_floor))
//   -> [kind mfcc: ortho DCT-II, lifter] [+ prosody columns from the frame's raw samples]
//   -> [deltas, delta-deltas] -> [prosody normalisation, CMVN] (recording_norm.h)
// Output rows (per frame): [base (spectral | prosody) | deltas | delta-deltas].
// kind = spectrogram gives the log power (or magnitude) spectrogram, n_fft/2 + 1 bins.
// Clips are processed in parallel (options.num_threads; 0 = all cores), and the frames of one
// clip too when there are fewer clips than threads (a long recording); each row depends only on
// its clip's samples, so a clip is bit-identical alone, anywhere in any batch, on any number of
// threads, or streamed piece by piece (feature_stream.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/features/dct.h"
#include "core/features/feature_extractor.h"
#include "core/features/fft.h"
#include "core/features/framing.h"
#include "core/features/mel_filterbank.h"
#include "core/features/prosody.h"
#include "core/features/spectrum.h"

namespace calmspace {

class CpuFeatureExtractor final : public FeatureExtractor {
 public:
  // Validates the options (InputError naming "features.<key>").
  CpuFeatureExtractor(const FeatureOptions& options, int sample_rate);

  const FeatureOptions& options() const override { return options_; }
  int sample_rate() const override { return sample_rate_; }
  std::string backend_name() const override { return "cpu"; }
  PaddedBatch extract_batch(std::span<const std::span<const float>> clips) override;

  // Writes the clip's num_frames(clip.size()) rows of feature_dim() floats to `out`, its frames
  // spread over `threads` threads. Thread-safe.
  void extract_into(std::span<const float> clip, float* out, int threads = 1) const;
  std::int64_t num_frames(std::int64_t num_samples) const {
    return layout_.num_frames(num_samples);
  }
  const FrameLayout& layout() const { return layout_; }
  int base_dim() const { return base_dim_; }

  // The pieces extract_into() is made of, for features computed as samples arrive:
  // pre-emphasis and dither, in place, of the clip's samples [first_index, first_index + n);
  // `previous` is the raw sample before them (0 at the clip's start).
  bool conditions_samples() const { return options_.preemphasis != 0.0 || options_.dither != 0.0; }
  void condition(std::span<float> samples, float previous, std::int64_t first_index) const;
  // The base rows (frames -> window -> FFT -> ... -> log [-> DCT] [+ raw prosody]; base_dim()
  // values, before deltas and the per-recording steps) of frames [first, first + count) of a
  // conditioned signal, row k at out + k * out_stride, the frames spread over `threads` threads.
  void base_rows(const SignalView& signal, std::int64_t first, std::int64_t count, float* out,
                 int out_stride, int threads) const;

 private:
  FeatureOptions options_;
  int sample_rate_;
  FrameLayout layout_;
  int bins_;
  int spectral_dim_;
  int base_dim_;
  int feature_dim_;
  std::vector<float> window_;  // layout_.win values
  std::vector<float> ones_;    // layout_.win ones: a frame's raw samples, for prosody
  RealFft fft_;
  LogFloor log_;
  std::optional<MelFilterbank> mel_;      // kinds logmel, mfcc
  std::optional<CepstrumTransform> dct_;  // kind mfcc
  ProsodyColumns prosody_;
  std::optional<PitchTracker> pitch_;  // features.extra: pitch
};

}  // namespace calmspace
