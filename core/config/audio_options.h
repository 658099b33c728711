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
  // Silence trimming (core/audio/trim.h): a recording's leading and trailing frames more than
  // trim_db below its loudest frame are cut, trim_margin_ms kept each side, before anything else
  // sees it (training clips before augmentation, every recording predicted). 0 = off. Recordings
  // longer than trim_max_s are analysed whole: a stream cannot know its loudest frame until it
  // ends, and their edges' silence is a vanishing share of them.
  double trim_db = 0.0;
  double trim_margin_ms = 100.0;
  double trim_max_s = 600.0;
  // How errors name the duration limit: the config key, or the flag a program set it from.
  const char* max_duration_name = "audio.max_duration_s";

  void register_options(OptionRegistry& r) {
    r.add("sample_rate", &sample_rate, "target sample rate in Hz; clips are resampled to it");
    r.add_enum(
        "resample_quality", &resample_quality, resample_quality_table(),
        "libsoxr quality recipe used when a clip's rate differs (quick has no anti-alias filter)");
    r.add("max_duration_s", &max_duration_s, "longest accepted recording, in seconds");
    r.add("trim_db", &trim_db,
          "cut leading and trailing silence: frames more than this many dB below the loudest "
          "25 ms frame; 0 = off");
    r.add("trim_margin_ms", &trim_margin_ms, "silence kept before and after the speech, in ms");
    r.add("trim_max_s", &trim_max_s,
          "longest recording trimmed, in seconds (a longer one is analysed whole)");
  }
  void validate() const;
};

}  // namespace calmspace
