#include "support/test_support.h"

#include "core/dataset/dataset_file.h"

#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <numbers>
#include <random>

namespace calmspace::testing {

std::filesystem::path corpora_dir() {
  if (const char* env = std::getenv("CALMSPACE_CORPORA")) return env;
  return CALMSPACE_TEST_CORPORA;
}

bool have_corpus(const std::string& name) {
  return std::filesystem::is_directory(corpora_dir() / name);
}

std::filesystem::path golden_dir() {
  return CALMSPACE_TEST_GOLDEN_DIR;
}

std::filesystem::path calmspace_binary() {
  return CALMSPACE_BINARY;
}

ScratchDir::ScratchDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("calmspace-test-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<float> sine(double freq_hz, double seconds, int sample_rate, double amplitude) {
  const auto n = static_cast<std::int64_t>(std::llround(seconds * sample_rate));
  std::vector<float> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    out[i] =
        static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * freq_hz * i / sample_rate));
  return out;
}

std::vector<float> white_noise(std::int64_t n, double stddev, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss(0.0, stddev);
  std::vector<float> out(static_cast<std::size_t>(n));
  for (auto& v : out) v = static_cast<float>(gauss(rng));
  return out;
}

int run_command(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  std::array<char, 4096> buffer{};
  std::string text;
  std::size_t got = 0;
  while ((got = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) text.append(buffer.data(), got);
  const int status = pclose(pipe);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void write_tone_dataset(const std::string& path) {
  DatasetHeader h;
  h.corpus = "csv";
  h.sample_rate = 16000;
  h.label_names = {"low", "mid", "high"};
  h.speaker_names = {"s0", "s1", "s2", "s3", "s4", "s5"};
  h.speaker_fold = {0, 0, 1, 1, 2, 2};
  h.num_folds = 3;
  DatasetWriter w(path, h);
  const double pitch[3] = {250.0, 900.0, 2600.0};
  int n = 0;
  for (int speaker = 0; speaker < 6; ++speaker)
    for (int label = 0; label < 3; ++label)
      for (int k = 0; k < 4; ++k, ++n) {
        const double seconds = 0.3 + 0.1 * ((n * 7) % 4);
        auto x = sine(pitch[label] * (1 + 0.03 * speaker), seconds, 16000, 0.3);
        const auto noise = white_noise(std::int64_t(x.size()), 0.05, 100 + n);
        for (std::size_t i = 0; i < x.size(); ++i) x[i] += noise[i];
        ClipInfo c;
        c.label = label;
        c.speaker = speaker;
        c.fold = h.speaker_fold[speaker];
        c.utterance_id = "u" + std::to_string(n);
        w.append(c, x);
      }
  w.close();
}

void write_tone_wav(const std::filesystem::path& path, double freq_hz, double seconds) {
  const auto x = sine(freq_hz, seconds, 16000, 0.3);
  std::ofstream wav(path, std::ios::binary);
  auto u32 = [&](std::uint32_t v) { wav.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](std::uint16_t v) { wav.write(reinterpret_cast<const char*>(&v), 2); };
  wav.write("RIFF", 4);
  u32(36 + std::uint32_t(x.size() * 2));
  wav.write("WAVEfmt ", 8);
  u32(16);     // fmt chunk size
  u16(1);      // PCM
  u16(1);      // mono
  u32(16000);  // rate
  u32(32000);  // bytes per second
  u16(2);      // block align
  u16(16);     // bits
  wav.write("data", 4);
  u32(std::uint32_t(x.size() * 2));
  for (float v : x) u16(std::uint16_t(std::int16_t(std::lround(v * 32767))));
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace calmspace::testing
