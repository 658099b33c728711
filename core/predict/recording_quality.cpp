#include "core/predict/recording_quality.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace calmspace {
namespace {

double dbfs(double rms) {
  return rms > 0 ? 20 * std::log10(rms) : -120.0;
}

// Histogram bin of a frame with `energy` summed over `samples` samples: its RMS level in 0.5 dB
// steps from -130 dBFS.
std::size_t level_bin(double energy, int samples, int bins) {
  const double level = dbfs(std::sqrt(energy / samples));
  return static_cast<std::size_t>(std::clamp(static_cast<int>((level + 130.0) * 2), 0, bins - 1));
}

}  // namespace

QualityMeter::QualityMeter(int sample_rate)
    : frame_length_(std::max(1, sample_rate / 50)), sample_rate_(sample_rate) {}

void QualityMeter::close_frame() {
  ++histogram_[level_bin(frame_energy_, frame_fill_, kBins)];
  frame_energy_ = 0;
  frame_fill_ = 0;
}

void QualityMeter::push(std::span<const float> samples) {
  for (float v : samples) {
    const float a = std::abs(v);
    peak_ = std::max(peak_, a);
    clipped_ += a >= 0.999f;
    frame_energy_ += double(v) * v;
    if (++frame_fill_ == frame_length_) close_frame();
  }
  samples_ += static_cast<std::int64_t>(samples.size());
}

RecordingQuality QualityMeter::result() const {
  RecordingQuality q;
  q.duration_s = double(samples_) / sample_rate_;
  q.peak_dbfs = dbfs(peak_);
  q.clipped_share = samples_ ? double(clipped_) / double(samples_) : 0.0;
  // The frames so far, the unfinished last one included.
  std::array<std::int64_t, kBins> h = histogram_;
  if (frame_fill_ > 0) ++h[level_bin(frame_energy_, frame_fill_, kBins)];
  std::int64_t frames = 0;
  for (auto n : h) frames += n;
  // Mean power of the loudest (from_top) or quietest 20 % of the frames, in dBFS.
  const auto level_of_fifth = [&](bool from_top) {
    const std::int64_t want = std::max<std::int64_t>(1, frames / 5);
    std::int64_t taken = 0;
    double power = 0;
    for (int k = 0; k < kBins && taken < want; ++k) {
      const int b = from_top ? kBins - 1 - k : k;
      const std::int64_t n = std::min(h[static_cast<std::size_t>(b)], want - taken);
      const double level = -130.0 + (b + 0.5) / 2;  // the bin's centre
      power += double(n) * std::pow(10.0, level / 10);
      taken += n;
    }
    return 10 * std::log10(power / double(taken));
  };
  if (frames > 0) {
    q.speech_level_dbfs = level_of_fifth(true);
    q.noise_level_dbfs = level_of_fifth(false);
  }
  char text[200];
  if (q.duration_s < kTooShortS) {
    std::snprintf(text, sizeof text,
                  "Only %.1f s long: the model learned from sentences of 1.5 to 5 seconds, so "
                  "a longer recording gives a steadier answer.",
                  q.duration_s);
    q.warnings.push_back({"too_short", text});
  }
  if (q.speech_level_dbfs < kTooQuietDbfs) {
    std::snprintf(text, sizeof text,
                  "Very quiet (speech at %.0f dBFS): the voice may be lost in the microphone's "
                  "noise. Speak closer to the microphone or turn its level up.",
                  q.speech_level_dbfs);
    q.warnings.push_back({"too_quiet", text});
  } else if (q.speech_level_dbfs - q.noise_level_dbfs < kTooLittleAboveNoiseDb) {
    std::snprintf(text, sizeof text,
                  "The voice is only %.0f dB above the background noise: it may be lost in it. "
                  "Record closer to the microphone, somewhere quieter.",
                  q.speech_level_dbfs - q.noise_level_dbfs);
    q.warnings.push_back({"too_quiet", text});
  }
  if (q.clipped_share > kClippedShare) {
    std::snprintf(text, sizeof text,
                  "Clipped (%.1f %% of samples at full scale): the recording was too loud and "
                  "the voice is distorted. Turn the microphone level down.",
                  100 * q.clipped_share);
    q.warnings.push_back({"clipped", text});
  }
  return q;
}

RecordingQuality assess_recording(std::span<const float> samples, int sample_rate) {
  QualityMeter meter(sample_rate);
  meter.push(samples);
  return meter.result();
}

}  // namespace calmspace
