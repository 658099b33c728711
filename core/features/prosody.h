// Prosody columns (features.extra): pitch and energy from each frame's own `win` samples, the
// samples its spectrum is made of (framing.h), unwindowed.
//
// Pitch: YIN (de Cheveigné & Kawahara, "YIN, a fundamental frequency estimator for speech and
// music", JASA 111(4), 2002), steps 2-5, on a frame of `win` samples with lags
// tau in [sr/f0_max, sr/f0_min] and a fixed integration window W = win - tau_max:
//   d(tau)  = sum_{j<W} (x_j - x_{j+tau})^2                      (difference function)
//   d'(tau) = d(tau) * tau / sum_{k=1..tau} d(k), d'(0) = 1      (cumulative mean normalised)
//   tau*    = the first lag whose d' dips below voicing_threshold, followed down to its local
//             minimum; the global minimum of d' in range when none does (absolute threshold)
//   F0      = sr / (tau* refined by a parabola through d'(tau*-1..tau*+1))
// Raw columns, per frame: [voicing = clamp(1 - d'(tau*), 0, 1), ln F0 in Hz].
// Energy: ln(max(mean_j x_j^2, log_floor)) over the frame's win samples.
//
// Per recording (normalise_prosody, once all its frames are known):
//   ln F0: minus the mean ln F0 of its voiced frames (voicing >= 1 - voicing_threshold); unvoiced
//          frames take the value interpolated linearly between the voiced frames around them
//          (the nearest one's beyond the first and last); 0 everywhere when no frame is voiced.
//   energy: minus its mean over the recording.
// So a speaker's register (a higher or lower voice) and the recording level cancel, and what is
// left is how pitch and loudness move within the recording.
#pragma once

#include <cstdint>
#include <vector>

#include "core/config/feature_options.h"

namespace calmspace {

struct PitchEstimate {
  float f0_hz = 0.0f;    // the YIN estimate, whether voiced or not
  float voicing = 0.0f;  // clamp(1 - d'(tau*), 0, 1)
};

class PitchTracker {
 public:
  // Options validated (FeatureOptions::validate): tau_max <= win / 2.
  PitchTracker(const FeatureOptions& options, int sample_rate);

  int frame_length() const { return win_; }
  int tau_min() const { return tau_min_; }
  int tau_max() const { return tau_max_; }
  int integration() const { return integration_; }
  // frame: win_ samples. `scratch` is resized as needed (one per thread).
  PitchEstimate estimate(const float* frame, std::vector<float>& scratch) const;

 private:
  int sample_rate_;
  int win_;
  int tau_min_, tau_max_;
  int integration_;  // W
  double threshold_;
};

// Where the prosody columns sit in a row of base_dim values: [spectral | pitch (2) | energy (1)].
struct ProsodyColumns {
  int pitch = -1;   // column of voicing; log-F0 at pitch + 1; -1 = none
  int energy = -1;  // -1 = none
  double voicing_threshold = 0.25;

  static ProsodyColumns of(const FeatureOptions& options, int sample_rate);
  bool any() const { return pitch >= 0 || energy >= 0; }
};

// ln(max(mean(x^2), floor)) of n samples.
float frame_log_energy(const float* frame, int n, double floor);

// The per-recording step above, in place, on `frames` rows at `stride` floats.
void normalise_prosody(float* rows, std::int64_t frames, int stride, const ProsodyColumns& columns);

}  // namespace calmspace
