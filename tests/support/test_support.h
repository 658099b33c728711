// Helpers shared by the test suites: where the corpora and golden files are, a scratch folder,
// seeded random signals (one host RNG, so every backend sees identical bits), .npy reading.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace calmspace::testing {

// ../shared/corpora (or -DCALMSPACE_CORPORA=...); tests that need it GTEST_SKIP when absent.
std::filesystem::path corpora_dir();
bool have_corpus(const std::string& name);  // e.g. "ravdess", "quirks"
std::filesystem::path golden_dir();
std::filesystem::path calmspace_binary();

// A fresh empty folder under the system temp dir, removed when the object dies.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Reproducible signals.
std::vector<float> sine(double freq_hz, double seconds, int sample_rate, double amplitude = 0.5);
std::vector<float> white_noise(std::int64_t n, double stddev, std::uint64_t seed);

// Runs `command` with sh, capturing stdout+stderr; returns the exit status.
int run_command(const std::string& command, std::string* output);

// A small learnable dataset file: labels low/mid/high are noisy tones at 250/900/2600 Hz (shifted
// 3 % per speaker), 6 speakers in 3 folds, 4 clips of 0.3-0.6 s per speaker and label (72 clips).
void write_tone_dataset(const std::string& path);

// A 16 kHz mono PCM16 WAV of a sine at `freq_hz`, amplitude 0.3, written by hand.
void write_tone_wav(const std::filesystem::path& path, double freq_hz, double seconds);

// Writes bytes to a file (fixtures).
void write_file(const std::filesystem::path& path, const std::string& bytes);
// A file's bytes ("" when it cannot be read).
std::string read_text_file(const std::filesystem::path& path);

}  // namespace calmspace::testing
