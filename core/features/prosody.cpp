#include "core/features/prosody.h"

#include <algorithm>
#include <cmath>

namespace calmspace {

PitchTracker::PitchTracker(const FeatureOptions& options, int sample_rate)
    : sample_rate_(sample_rate),
      win_(options.win_length(sample_rate)),
      tau_min_(std::max(2, static_cast<int>(std::floor(sample_rate / options.f0_max)))),
      tau_max_(static_cast<int>(std::ceil(sample_rate / options.f0_min))),
      integration_(win_ - tau_max_),
      threshold_(options.voicing_threshold) {}

PitchEstimate PitchTracker::estimate(const float* frame, std::vector<float>& scratch) const {
  // scratch: d(tau) at [0, top), d'(tau) at [top, 2 top), tau in [0, tau_max].
  const int top = tau_max_ + 1;
  scratch.assign(2 * static_cast<std::size_t>(top), 0.0f);
  float* diff = scratch.data();
  float* normalised = diff + top;
  // Accumulated sample by sample over all lags (the inner loop runs over contiguous lags and
  // vectorises): W * tau_max multiply-adds; j + tau <= W - 1 + tau_max = win - 1.
  for (int j = 0; j < integration_; ++j) {
    const float xj = frame[j];
    const float* shifted = frame + j;
    for (int tau = 1; tau < top; ++tau) {
      const float e = xj - shifted[tau];
      diff[tau] += e * e;
    }
  }
  // d'(tau) = d(tau) * tau / sum_{k<=tau} d(k); a silent or constant frame (all d = 0) has no
  // period: d' = 1.
  double running = 0.0;
  normalised[0] = 1.0f;
  for (int tau = 1; tau < top; ++tau) {
    running += diff[tau];
    normalised[tau] = running > 0.0 ? static_cast<float>(diff[tau] * tau / running) : 1.0f;
  }
  const int last = tau_max_;
  const auto dn = [&](int tau) { return static_cast<double>(normalised[tau]); };

  int best = -1;
  for (int tau = tau_min_; tau <= last; ++tau) {
    if (dn(tau) < threshold_) {
      while (tau + 1 <= last && dn(tau + 1) < dn(tau)) ++tau;
      best = tau;
      break;
    }
  }
  if (best < 0) {
    best = tau_min_;
    for (int tau = tau_min_ + 1; tau <= last; ++tau)
      if (dn(tau) < dn(best)) best = tau;
  }
  // Parabolic refinement of the lag through its neighbours (YIN step 5).
  double lag = best;
  if (best > 1 && best < last) {
    const double a = dn(best - 1), b = dn(best), c = dn(best + 1);
    const double curvature = a - 2.0 * b + c;
    if (curvature > 0.0) lag += std::clamp(0.5 * (a - c) / curvature, -0.5, 0.5);
  }
  PitchEstimate out;
  out.f0_hz = static_cast<float>(sample_rate_ / lag);
  out.voicing = static_cast<float>(std::clamp(1.0 - dn(best), 0.0, 1.0));
  return out;
}

ProsodyColumns ProsodyColumns::of(const FeatureOptions& options, int sample_rate) {
  ProsodyColumns c;
  int next = options.spectral_dim(sample_rate);
  if (options.has_pitch()) {
    c.pitch = next;
    next += 2;
  }
  if (options.has_energy()) c.energy = next;
  c.voicing_threshold = options.voicing_threshold;
  return c;
}

float frame_log_energy(const float* frame, int n, double floor) {
  double sum = 0.0;
  for (int j = 0; j < n; ++j) sum += static_cast<double>(frame[j]) * frame[j];
  return static_cast<float>(std::log(std::max(sum / std::max(n, 1), floor)));
}

void normalise_prosody(float* rows, std::int64_t frames, int stride,
                       const ProsodyColumns& columns) {
  if (frames <= 0) return;
  const auto at = [&](std::int64_t t, int column) { return rows + t * stride + column; };
  if (columns.pitch >= 0) {
    const int v = columns.pitch, f = columns.pitch + 1;
    const float voiced_at_least = static_cast<float>(1.0 - columns.voicing_threshold);
    const auto voiced = [&](std::int64_t t) { return *at(t, v) >= voiced_at_least; };
    double sum = 0.0;
    std::int64_t count = 0;
    for (std::int64_t t = 0; t < frames; ++t)
      if (voiced(t)) {
        sum += *at(t, f);
        ++count;
      }
    if (count == 0) {
      for (std::int64_t t = 0; t < frames; ++t) *at(t, f) = 0.0f;
    } else {
      const double mean = sum / static_cast<double>(count);
      std::int64_t previous = -1;  // the last voiced frame seen
      for (std::int64_t t = 0; t <= frames; ++t) {
        if (t < frames && !voiced(t)) continue;
        // Frames (previous, t) are unvoiced: interpolate between the voiced frames around them.
        const float right = t < frames ? static_cast<float>(*at(t, f) - mean) : 0.0f;
        const float left = previous >= 0 ? *at(previous, f) : right;
        for (std::int64_t u = previous + 1; u < t; ++u) {
          float value = left;
          if (previous >= 0 && t < frames)
            value = left + (right - left) * static_cast<float>(u - previous) /
                               static_cast<float>(t - previous);
          *at(u, f) = value;
        }
        if (t < frames) {
          *at(t, f) = right;
          previous = t;
        }
      }
    }
  }
  if (columns.energy >= 0) {
    double sum = 0.0;
    for (std::int64_t t = 0; t < frames; ++t) sum += *at(t, columns.energy);
    const auto mean = static_cast<float>(sum / static_cast<double>(frames));
    for (std::int64_t t = 0; t < frames; ++t) *at(t, columns.energy) -= mean;
  }
}

}  // namespace calmspace
