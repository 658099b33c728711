// Robustness of a model to what happens to a voice before CalmSpace hears it: the clips of a
// dataset split, clean and under one degradation at a time (core/audio/degrade.h):
//   gain       -30, -20, -10, +10, +20 dB (clipped at full scale, as a converter would)
//   white      Gaussian noise at 20, 10, 5 dB SNR (seeded per clip)
//   babble     the sum of `babble_talkers` other clips of the split (other speakers, each at unit
//              RMS, cycled to length) at 20, 10, 5 dB SNR: crowd-like speech noise
//   telephone  the 300-3400 Hz band at 8 kHz and back
//   codec      Opus in WebM at 16 and 32 kbit/s (Chrome, Firefox), AAC in MP4 at 32 kbit/s
//              (Safari), through FFmpeg and CalmSpace's own decoder
//   reverb     a room per clip (image method, seeded): RT60 0.2-0.4 s and 0.6-0.9 s
// Per condition: UA and WA over the scored classes (as `eval`, core/eval/evaluate.h) and the share
// of predictions unchanged from the clean clip's. Features and model as `eval` computes them.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/dataset/dataset_file.h"
#include "core/run/checkpoint.h"

namespace calmspace {

struct RobustnessOptions {
  std::vector<double> gains_db = {-30, -20, -10, 10, 20};
  std::vector<double> snrs_db = {20, 10, 5};
  int babble_talkers = 6;
  bool telephone = true;
  bool codecs = true;
  bool reverb = true;
  std::uint64_t seed = 1;
  int threads = 0;  // 0 = all cores
};

struct ConditionResult {
  std::string name;   // "gain -10 dB", "opus 16 kbit/s", ...
  std::string group;  // clean, gain, white, babble, telephone, codec, reverb
  double ua = 0, wa = 0;
  double unchanged = 1;  // share of clips whose prediction equals the clean clip's
  std::int64_t clips = 0;
};

struct RobustnessReport {
  std::string model, data, split;
  std::vector<std::string> classes;         // scored
  std::vector<ConditionResult> conditions;  // clean first
  double seconds = 0;

  std::string to_json() const;
  std::string to_markdown() const;  // a table, one row per condition
};

// Called after each condition with its result (progress).
using RobustnessProgress = std::function<void(const ConditionResult&)>;

// `members`: one checkpoint or an ensemble's (logits averaged). `split` as evaluate_checkpoint.
RobustnessReport run_robustness(const DatasetFile& dataset, std::span<const Checkpoint> members,
                                const std::string& split, const RobustnessOptions& options,
                                const RobustnessProgress& progress = {});

}  // namespace calmspace
