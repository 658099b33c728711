// How recordings are decoded: every clip becomes mono float32 in [-1, 1]-ish at `sample_rate`.
#pragma once

#include "core/base/options.h"

namespace calmspace {

// libsoxr recipes. Quick = cubic interpolation with NO anti-alias filter (content above the new
// Nyquist folds back: avoid it when downsampling); Low/Medium = 16-bit precision filters;
// High = 20-bit (default); VeryHigh = 28-bit.
enum class ResampleQuality { Quick, Low, Medium, High, VeryHigh };

inline const EnumTable<ResampleQuality>& resample_quality_table() {
  static const EnumTable<ResampleQuality> table = {{"quick", ResampleQuality::Quick},
                                                   {"low", ResampleQuality::Low},
                                                   {"medium", ResampleQuality::Medium},
                                                   {"high", ResampleQuality::High},
                                                   {"very_high", ResampleQuality::VeryHigh}};
  return table;
}

struct AudioOptions {
  int sample_rate = 16000;  // Hz; every clip is resampled to this rate (libsoxr)
  ResampleQuality resample_quality = ResampleQuality::High;
  double max_duration_s = 3600.0;  // longer recordings are rejected as input errors
  // How errors name the duration limit: the config key, or the flag a program set it from.
  const char* max_duration_name = "audio.max_duration_s";

  void register_options(OptionRegistry& r) {
    r.add("sample_rate", &sample_rate, "target sample rate in Hz; clips are resampled to it");
    r.add_enum(
        "resample_quality", &resample_quality, resample_quality_table(),
        "libsoxr quality recipe used when a clip's rate differs (quick has no anti-alias filter)");
    r.add("max_duration_s", &max_duration_s, "longest accepted recording, in seconds");
  }
  void validate() const;
};

}  // namespace calmspace
