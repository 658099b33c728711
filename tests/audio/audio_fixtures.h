// Audio fixtures for tests/audio: files written with libsndfile's writer (every format/subtype the
// decoder must read), WAV bytes assembled by hand (extra chunks, bad headers), a reference reader
// and level/tone measurements. Linked with libsndfile only into audio_tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace calmspace::testing {

// True when this libsndfile build can write `format` (SF_FORMAT_* major | subtype) at `rate` Hz.
bool can_write(int format, int rate, int channels);

// Writes interleaved float samples, shape (frames, channels), with libsndfile; fails the test
// (ADD_FAILURE) and returns false on error.
bool write_sound(const std::filesystem::path& path, std::span<const float> interleaved,
                 int channels, int rate, int format);

// Reads a file with libsndfile directly (no CalmSpace code): channels averaged, float32, source
// rate. The independent reference the decoder is compared with.
struct Reference {
  std::vector<float> mono;  // (frames,)
  int rate = 0;
  int channels = 0;
  int format = 0;
};
Reference read_reference(const std::filesystem::path& path);

std::string read_bytes(const std::filesystem::path& path);

// Hand-made RIFF/WAVE pieces. A chunk is id + little-endian size + payload (+ pad to even size).
std::string le16(std::uint16_t v);
std::string le32(std::uint32_t v);
std::string riff_chunk(const std::string& id, const std::string& payload);
std::string fmt_chunk(int format_tag, int channels, int rate, int bits);  // 1 = PCM, 3 = float
std::string pcm16_payload(std::span<const std::int16_t> samples);
std::string float_payload(std::span<const float> samples);
// "RIFF" <size> "WAVE" followed by the given chunks, in order.
std::string wave_file(const std::vector<std::string>& chunks);

// RMS level of `x` in dB relative to full scale amplitude 1 (20 log10 rms); skip `edge` samples
// at each end.
double rms_db(std::span<const float> x, std::size_t edge = 0);
// Fraction of the energy of `x` at `freq_hz` (Goertzel-like projection on sin/cos), in [0, 1].
double tone_fraction(std::span<const float> x, double freq_hz, int rate);

}  // namespace calmspace::testing
