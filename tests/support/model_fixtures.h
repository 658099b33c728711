// Model and signal fixtures shared by the test suites: a tiny GRU checkpoint with random weights
// and the eight RAVDESS labels (its predictions mean nothing, but are deterministic), and a
// speech-like test signal.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/run/checkpoint.h"

namespace calmspace::testing {

inline const std::vector<std::string> kRavdessLabels = {
    "neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"};

// Snip-edges framing (features.center=false), so a 5 ms recording gives no frame at all.
// speaker_norm: as if trained with speaker-level normalisation (features.speaker_norm: mean), so
// a voice's statistics can be folded in (voice enrolment); without them each recording is
// normalised by its own mean.
Checkpoint fixture_checkpoint(std::uint64_t seed = 7, bool speaker_norm = false);
// Saves fixture_checkpoint(7, speaker_norm) as an HDF5 checkpoint and a Markdown card beside it
// (same stem).
void write_fixture_model(const std::filesystem::path& h5_path, const std::string& card_text,
                         bool speaker_norm = false);

// A speech-like test signal: a voiced tone whose pitch glides 120-220 Hz with harmonics, under a
// syllable-rate (4 Hz) envelope, plus a little noise. Mono, amplitude < 0.6.
std::vector<float> voice_like(double seconds, int sample_rate, std::uint64_t seed = 3);

}  // namespace calmspace::testing
