// Fake corpora for the dataset tests: small WAV/FLAC files written with libsndfile, laid out as
// the real corpora are (RAVDESS Actor_XX/03-01-EE-II-SS-RR-AA.wav, TESS OAF_<emotion>/...).
// Header-only so the test target needs no extra sources.
#pragma once

#include <sndfile.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace calmspace::testing {

// Writes mono `samples` at `rate` Hz as 16-bit PCM; FLAC if the path ends in .flac, else WAV.
inline void write_sound(const std::filesystem::path& path, const std::vector<float>& samples,
                        int rate, int channels = 1) {
  std::filesystem::create_directories(path.parent_path());
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = (path.extension() == ".flac" ? SF_FORMAT_FLAC : SF_FORMAT_WAV) | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) throw std::runtime_error("cannot write " + path.string() + ": " + sf_strerror(nullptr));
  std::vector<float> frames;
  for (float s : samples)
    for (int c = 0; c < channels; ++c) frames.push_back(s);
  sf_writef_float(f, frames.data(), static_cast<sf_count_t>(samples.size()));
  sf_close(f);
}

// Writes bytes to `path`, creating its folders (a corrupt "audio" file, a manifest).
inline void put_file(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  write_file(path, bytes);
}

// A tone whose frequency depends on `index`, so every fake clip differs.
inline std::vector<float> tone(int index, double seconds, int rate) {
  return sine(200.0 + 37.0 * index, seconds, rate, 0.3);
}

inline std::string two(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

// RAVDESS name 03-01-EE-II-SS-RR-AA.
inline std::string ravdess_name(int emotion, int intensity, int statement, int repetition,
                                int actor, const std::string& ext) {
  return "03-01-" + two(emotion) + "-" + two(intensity) + "-" + two(statement) + "-" +
         two(repetition) + "-" + two(actor) + ext;
}

// A RAVDESS-shaped tree: for each actor, one clip per emotion 1..8 (statement 1, rep 1,
// intensity 1). Returns the number of clips written.
inline int make_ravdess_tree(const std::filesystem::path& root, const std::vector<int>& actors,
                             const std::string& ext = ".wav", int rate = 48000,
                             double seconds = 0.1) {
  int n = 0;
  for (int actor : actors)
    for (int emotion = 1; emotion <= 8; ++emotion)
      write_sound(root / ("Actor_" + two(actor)) / ravdess_name(emotion, 1, 1, 1, actor, ext),
                  tone(n++, seconds, rate), rate);
  return n;
}

}  // namespace calmspace::testing
