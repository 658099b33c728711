// open_pcm_stream (core/audio/pcm_stream.h): live audio through a pipe whose writer hands out a
// few bytes at a time (frames and header fields split across reads), as WAV of every supported
// sample format (plain and WAVE_FORMAT_EXTENSIBLE, with a chunk before the data, with a finite or
// an "until the end" data size) and raw s16le/f32le; decoded samples within one quantisation step
// of the originals. Bad streams: one InputError naming the stream.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <thread>

#include "core/audio/pcm_stream.h"
#include "core/base/error.h"

namespace calmspace {
namespace {

using Bytes = std::string;

void put16(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 2; ++i) b += static_cast<char>(v >> (8 * i) & 0xFF);
}
void put32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b += static_cast<char>(v >> (8 * i) & 0xFF);
}

std::vector<float> ramp(int n) {
  std::vector<float> x(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) x[static_cast<std::size_t>(i)] = 0.8f * std::sin(0.05f * float(i));
  return x;
}

// Samples encoded as `bits`-bit PCM (tag 1) or 32-bit float (tag 3), little-endian, mono.
Bytes encode(const std::vector<float>& x, int tag, int bits) {
  Bytes b;
  for (const float v : x) {
    if (tag == 3) {
      std::uint32_t u;
      std::memcpy(&u, &v, 4);
      put32(b, u);
    } else {
      const auto q = static_cast<std::int64_t>(std::lround(double(v) * double(1LL << (bits - 1))));
      for (int i = 0; i < bits / 8; ++i) b += static_cast<char>(q >> (8 * i) & 0xFF);
    }
  }
  return b;
}

Bytes wav(const Bytes& data, int tag, int bits, bool extensible, std::uint32_t data_size) {
  Bytes fmt;
  put16(fmt, extensible ? 0xFFFE : tag);
  put16(fmt, 1);      // channels
  put32(fmt, 16000);  // rate
  put32(fmt, 16000 * bits / 8);
  put16(fmt, bits / 8);
  put16(fmt, bits);
  if (extensible) {
    put16(fmt, 22);  // extension size
    put16(fmt, bits);
    put32(fmt, 4);    // channel mask
    put16(fmt, tag);  // sub-format GUID's first two bytes
    fmt += Bytes(14, '\0');
  }
  Bytes b = "RIFF";
  put32(b, 0xFFFFFFFF);
  b += "WAVEfmt ";
  put32(b, static_cast<std::uint32_t>(fmt.size()));
  b += fmt;
  b += "LIST";  // an odd-sized chunk before the data: padded to an even size
  put32(b, 3);
  b += Bytes("abc\0", 4);
  b += "data";
  put32(b, data_size);
  return b + data;
}

// Reads `bytes` through a pipe written 1 to 5 bytes at a time.
std::vector<float> read_through_pipe(const Bytes& bytes, const PcmInput& input) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  std::thread writer([&] {
    for (std::size_t at = 0, k = 0; at < bytes.size(); ++k) {
      const std::size_t n = std::min<std::size_t>(1 + k % 5, bytes.size() - at);
      EXPECT_EQ(write(fds[1], bytes.data() + at, n), static_cast<ssize_t>(n));
      at += n;
    }
    close(fds[1]);
  });
  std::vector<float> out;
  try {
    AudioOptions options;
    const auto stream = open_pcm_stream(fds[0], "the pipe", input, options);
    std::vector<float> block(97);
    for (;;) {
      const std::size_t n = stream->read(block);
      out.insert(out.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n));
      if (n < block.size()) break;
    }
  } catch (...) {
    writer.join();
    close(fds[0]);
    throw;
  }
  writer.join();
  close(fds[0]);
  return out;
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want, double step) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(got[i], want[i], step) << i;
}

TEST(PcmStream, WavOfEverySampleFormatThroughAPipe) {
  const std::vector<float> x = ramp(1000);
  for (const auto& [tag, bits] : {std::pair{1, 16}, {1, 24}, {1, 32}, {3, 32}})
    for (const bool extensible : {false, true}) {
      const Bytes data = encode(x, tag, bits);
      const double step = tag == 3 ? 0.0 : 1.0 / double(1LL << (bits - 1));
      SCOPED_TRACE(::testing::Message() << "tag " << tag << ", " << bits << " bits"
                                        << (extensible ? ", extensible" : ""));
      // "until the end" (what arecord writes to a pipe) and a finite size with bytes after it
      expect_close(read_through_pipe(wav(data, tag, bits, extensible, 0xFFFFFFFF), {}), x, step);
      expect_close(read_through_pipe(
                       wav(data, tag, bits, extensible, static_cast<std::uint32_t>(data.size())) +
                           "LIST trailing chunk",
                       {.format = "wav"}),
                   x, step);
    }
}

TEST(PcmStream, RawPcmThroughAPipeAndAPartialLastFrameDropped) {
  const std::vector<float> x = ramp(777);
  expect_close(read_through_pipe(encode(x, 1, 16) + "\x01", {.format = "s16le"}), x, 1.0 / 32768);
  expect_close(read_through_pipe(encode(x, 1, 16), {}), x, 1.0 / 32768);  // auto: not RIFF
  expect_close(read_through_pipe(encode(x, 3, 32) + "\x01\x02", {.format = "f32le"}), x, 0.0);
}

TEST(PcmStream, BadStreamsAreOneErrorNamingThem) {
  const auto error_of = [](const Bytes& bytes, const PcmInput& input) {
    try {
      read_through_pipe(bytes, input);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  using ::testing::HasSubstr;
  EXPECT_THAT(error_of("RIFF\x10", {}), HasSubstr("the pipe: ends inside its WAV header"));
  EXPECT_THAT(error_of("not a wav at all", {.format = "wav"}), HasSubstr("not a WAV stream"));
  EXPECT_THAT(error_of(wav(Bytes(8, '\0'), 2, 4, false, 8), {}),
              HasSubstr("sample format 2 with 4 bits is not supported"));
  EXPECT_THAT(error_of("", {.format = "s16le"}), HasSubstr("the pipe: contains no audio"));
  EXPECT_THAT(error_of("xx", {.format = "ogg"}), HasSubstr("unknown input format 'ogg'"));
  Bytes huge = "RIFF";
  put32(huge, 0);
  huge += "WAVEJUNK";
  put32(huge, 1u << 30);
  EXPECT_THAT(error_of(huge, {}), HasSubstr("is too large"));
}

}  // namespace
}  // namespace calmspace
