// pack_pcm_as_flac(): integer PCM recordings become smaller FLAC files with the same rate,
// channels, bit depth and every sample value; anything else is left alone (nullopt).
#include "core/audio/flac_pack.h"

#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "audio_fixtures.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

struct IntSound {
  std::vector<int> samples;  // interleaved, left-justified 32-bit (sf_readf_int)
  int rate = 0, channels = 0, format = 0;
};

IntSound read_ints(const std::filesystem::path& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  EXPECT_NE(f, nullptr) << path << ": " << sf_strerror(nullptr);
  IntSound s;
  if (!f) return s;
  s.samples.resize(static_cast<std::size_t>(info.frames * info.channels));
  EXPECT_EQ(sf_readf_int(f, s.samples.data(), info.frames), info.frames);
  sf_close(f);
  s.rate = info.samplerate;
  s.channels = info.channels;
  s.format = info.format;
  return s;
}

std::span<const std::byte> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// A voice-like test signal: a 150 Hz harmonic series with a slow envelope, (frames, channels).
std::vector<float> voice_like(int frames, int channels, int rate) {
  std::vector<float> x(static_cast<std::size_t>(frames * channels));
  for (int t = 0; t < frames; ++t)
    for (int c = 0; c < channels; ++c) {
      double v = 0;
      for (int h = 1; h <= 8; ++h) v += std::sin(2 * M_PI * 150.0 * h * (t + 7 * c) / rate) / h;
      x[static_cast<std::size_t>(t * channels + c)] =
          static_cast<float>(0.2 * v * std::sin(M_PI * t / frames));
    }
  return x;
}

struct PcmCase {
  const char* name;
  int format, channels, rate, flac_subtype;
};

class FlacPack : public ::testing::TestWithParam<PcmCase> {};

TEST_P(FlacPack, KeepsRateChannelsDepthAndEverySampleAndIsSmaller) {
  const PcmCase c = GetParam();
  testing::ScratchDir dir;
  const auto wav = dir / "in.sound";
  ASSERT_TRUE(testing::write_sound(wav, voice_like(c.rate, c.channels, c.rate), c.channels, c.rate,
                                   c.format));
  const std::string original = testing::read_bytes(wav);
  const auto packed = pack_pcm_as_flac(as_bytes(original));
  ASSERT_TRUE(packed.has_value());
  EXPECT_LT(packed->size(), original.size() / 2) << "voice-like audio should compress";
  testing::write_file(dir / "out.flac", *packed);
  const IntSound a = read_ints(wav), b = read_ints(dir / "out.flac");
  EXPECT_EQ(b.format, SF_FORMAT_FLAC | c.flac_subtype);
  EXPECT_EQ(b.rate, a.rate);
  EXPECT_EQ(b.channels, a.channels);
  ASSERT_EQ(b.samples.size(), a.samples.size());
  EXPECT_TRUE(b.samples == a.samples) << "a sample value changed";
}

INSTANTIATE_TEST_SUITE_P(
    Formats, FlacPack,
    ::testing::Values(
        PcmCase{"wav16_mono_16k", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 16000, SF_FORMAT_PCM_16},
        PcmCase{"wav24_stereo_44k", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 2, 44100, SF_FORMAT_PCM_24},
        PcmCase{"wav8u_mono_8k", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 1, 8000, SF_FORMAT_PCM_S8},
        PcmCase{"aiff16_stereo_48k", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 2, 48000,
                SF_FORMAT_PCM_16}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(FlacPackLeavesAlone, FloatThirtyTwoBitCompressedAndNonAudio) {
  testing::ScratchDir dir;
  const auto x = voice_like(16000, 1, 16000);
  for (int format : {SF_FORMAT_WAV | SF_FORMAT_FLOAT, SF_FORMAT_WAV | SF_FORMAT_PCM_32,
                     SF_FORMAT_FLAC | SF_FORMAT_PCM_16}) {
    const auto path = dir / ("x" + std::to_string(format));
    ASSERT_TRUE(testing::write_sound(path, x, 1, 16000, format));
    EXPECT_FALSE(pack_pcm_as_flac(as_bytes(testing::read_bytes(path))).has_value()) << format;
  }
  EXPECT_FALSE(pack_pcm_as_flac(as_bytes(std::string("definitely not audio"))).has_value());
  EXPECT_FALSE(pack_pcm_as_flac({}).has_value());
}

// A WAV cut short (an interrupted upload): libsndfile reads the frames that are there, and so
// does the packed file, so the history keeps exactly the audio that was analysed.
TEST(FlacPackCutShort, KeepsTheFramesThatAreThere) {
  testing::ScratchDir dir;
  const auto wav = dir / "in.wav";
  ASSERT_TRUE(testing::write_sound(wav, voice_like(16000, 1, 16000), 1, 16000,
                                   SF_FORMAT_WAV | SF_FORMAT_PCM_16));
  std::string bytes = testing::read_bytes(wav);
  bytes.resize(bytes.size() / 2 + 1);  // also an odd size: half a sample at the end
  testing::write_file(dir / "cut.wav", bytes);
  const auto packed = pack_pcm_as_flac(as_bytes(bytes));
  ASSERT_TRUE(packed.has_value());
  testing::write_file(dir / "cut.flac", *packed);
  const IntSound a = read_ints(dir / "cut.wav"), b = read_ints(dir / "cut.flac");
  EXPECT_GT(a.samples.size(), 7000u);
  EXPECT_LT(a.samples.size(), 8000u);
  EXPECT_TRUE(b.samples == a.samples);
}

}  // namespace
}  // namespace calmspace
