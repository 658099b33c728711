// Is a recording fit to be judged? What the page and `predict` say beside a prediction when it
// is not: too short (the model learned from 1.5-5 s sentences), too quiet (faint speech, or speech
// barely above the microphone's noise), or clipped (the recorder overdriven: flattened peaks
// distort the voice).
//   speech level  the RMS level (dBFS) of the loudest 20 % of the 20 ms frames: speech-active
//                 frames, not the pauses between them (ITU-T P.56 in spirit, not its letter)
//   noise level   the same over the quietest 20 % of the frames: the floor between words
//   too quiet     speech level below -55 dBFS, or less than 10 dB above the noise level
//                 (every clip of the four corpora passes: their speech levels reach down to
//                 -46 dBFS, with 13 dB or more above their floors)
//   clipped       share of samples at |x| >= 0.999 (full scale) above 0.1 %
// Measured block by block in O(1) memory (a 0.5 dB histogram of frame levels), so a recording
// of any length costs nothing more.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace calmspace {

struct RecordingQuality {
  double duration_s = 0;
  double speech_level_dbfs = -120;
  double noise_level_dbfs = -120;
  double peak_dbfs = -120;
  double clipped_share = 0;
  // Each a short code and a sentence: {"too_short", "..."}, {"too_quiet", ...}, {"clipped", ...}.
  struct Warning {
    std::string code, message;
  };
  std::vector<Warning> warnings;
};

// Thresholds (the warnings' definitions).
inline constexpr double kTooShortS = 1.0;
inline constexpr double kTooQuietDbfs = -55.0;
inline constexpr double kTooLittleAboveNoiseDb = 10.0;
inline constexpr double kClippedShare = 0.001;

class QualityMeter {
 public:
  explicit QualityMeter(int sample_rate);
  void push(std::span<const float> samples);
  RecordingQuality result() const;

 private:
  void close_frame();
  static constexpr int kBins = 260;  // frame levels -130..0 dBFS in 0.5 dB steps
  int frame_length_;
  double frame_energy_ = 0;
  int frame_fill_ = 0;
  std::int64_t samples_ = 0, clipped_ = 0;
  float peak_ = 0;
  int sample_rate_;
  std::array<std::int64_t, kBins> histogram_{};
};

RecordingQuality assess_recording(std::span<const float> samples, int sample_rate);

}  // namespace calmspace
