#include "audio/audio_fixtures.h"

#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <numbers>

namespace calmspace::testing {

bool can_write(int format, int rate, int channels) {
  SF_INFO info{};
  info.format = format;
  info.samplerate = rate;
  info.channels = channels;
  return sf_format_check(&info) == SF_TRUE;
}

bool write_sound(const std::filesystem::path& path, std::span<const float> interleaved,
                 int channels, int rate, int format) {
  SF_INFO info{};
  info.format = format;
  info.samplerate = rate;
  info.channels = channels;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!file) {
    ADD_FAILURE() << "libsndfile cannot write " << path << ": " << sf_strerror(nullptr);
    return false;
  }
  const sf_count_t frames = static_cast<sf_count_t>(interleaved.size()) / channels;
  const sf_count_t wrote = sf_writef_float(file, interleaved.data(), frames);
  const int err = sf_close(file);
  if (wrote != frames || err != 0) {
    ADD_FAILURE() << "libsndfile wrote " << wrote << " of " << frames << " frames to " << path
                  << " (close: " << sf_error_number(err) << ")";
    return false;
  }
  return true;
}

Reference read_reference(const std::filesystem::path& path) {
  Reference ref;
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (!file) {
    ADD_FAILURE() << "libsndfile cannot read " << path << ": " << sf_strerror(nullptr);
    return ref;
  }
  ref.rate = info.samplerate;
  ref.channels = info.channels;
  ref.format = info.format;
  std::vector<float> frame(static_cast<std::size_t>(info.channels));
  while (sf_readf_float(file, frame.data(), 1) == 1) {
    double sum = 0;
    for (const float v : frame) sum += v;
    ref.mono.push_back(static_cast<float>(sum / info.channels));
  }
  sf_close(file);
  return ref;
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string le16(std::uint16_t v) {
  return {static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)};
}

std::string le32(std::uint32_t v) {
  return le16(static_cast<std::uint16_t>(v & 0xFFFF)) + le16(static_cast<std::uint16_t>(v >> 16));
}

std::string riff_chunk(const std::string& id, const std::string& payload) {
  std::string chunk = id + le32(static_cast<std::uint32_t>(payload.size())) + payload;
  if (payload.size() % 2) chunk.push_back('\0');  // RIFF pads odd chunks to an even size
  return chunk;
}

std::string fmt_chunk(int format_tag, int channels, int rate, int bits) {
  const int block_align = channels * bits / 8;
  return riff_chunk("fmt ", le16(static_cast<std::uint16_t>(format_tag)) +
                                le16(static_cast<std::uint16_t>(channels)) +
                                le32(static_cast<std::uint32_t>(rate)) +
                                le32(static_cast<std::uint32_t>(rate * block_align)) +
                                le16(static_cast<std::uint16_t>(block_align)) +
                                le16(static_cast<std::uint16_t>(bits)));
}

std::string pcm16_payload(std::span<const std::int16_t> samples) {
  std::string out;
  for (const std::int16_t s : samples) out += le16(static_cast<std::uint16_t>(s));
  return out;
}

std::string float_payload(std::span<const float> samples) {
  std::string out(samples.size() * 4, '\0');
  for (std::size_t i = 0; i < samples.size(); ++i) {
    std::uint32_t bits = 0;
    static_assert(sizeof(bits) == sizeof(float));
    std::memcpy(&bits, &samples[i], 4);
    out.replace(i * 4, 4, le32(bits));
  }
  return out;
}

std::string wave_file(const std::vector<std::string>& chunks) {
  std::string body = "WAVE";
  for (const auto& c : chunks) body += c;
  return "RIFF" + le32(static_cast<std::uint32_t>(body.size())) + body;
}

double rms_db(std::span<const float> x, std::size_t edge) {
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t i = edge; i + edge < x.size(); ++i, ++n) sum += double(x[i]) * x[i];
  return n ? 10 * std::log10(sum / n) : -INFINITY;
}

double tone_fraction(std::span<const float> x, double freq_hz, int rate) {
  double re = 0, im = 0, energy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double phase = 2 * std::numbers::pi * freq_hz * double(i) / rate;
    re += x[i] * std::cos(phase);
    im += x[i] * std::sin(phase);
    energy += double(x[i]) * x[i];
  }
  // A pure tone of amplitude A over n samples: energy = A^2 n / 2, |re + i im|^2 = (A n / 2)^2.
  return energy > 0 ? (re * re + im * im) * 2 / (double(x.size()) * energy) : 0;
}

}  // namespace calmspace::testing
