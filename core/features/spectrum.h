// Per-frame elementwise stages: |X|^2 or |X| from an r2c FFT output, and the floored natural log.
#pragma once

#include <cmath>

#include "core/config/feature_options.h"

namespace calmspace {

// spectrum: `bins` interleaved (re, im) floats -> out: `bins` power (re^2 + im^2) or magnitude.
inline void spectrum_values(const float* spectrum, int bins, SpectrumKind kind, float* out) {
  for (int k = 0; k < bins; ++k) {
    const float re = spectrum[2 * k], im = spectrum[2 * k + 1];
    out[k] = re * re + im * im;
  }
  if (kind == SpectrumKind::Magnitude)
    for (int k = 0; k < bins; ++k) out[k] = std::sqrt(out[k]);
}

// x -> log(max(x, floor)). Values at or below the floor map to exactly float(log(floor)) (computed
// in double once), so silence is bit-exact everywhere.
class LogFloor {
 public:
  explicit LogFloor(double floor)
      : floor_(static_cast<float>(floor)), log_floor_(static_cast<float>(std::log(floor))) {}
  float floor_value() const { return log_floor_; }
  void apply(float* x, int n) const {
    // NaN stays NaN (as torch.clamp + log): only values known to be <= floor are replaced.
    for (int i = 0; i < n; ++i) x[i] = x[i] <= floor_ ? log_floor_ : std::log(x[i]);
  }

 private:
  float floor_;
  float log_floor_;
};

}  // namespace calmspace
