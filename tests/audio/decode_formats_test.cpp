// Every format/subtype the decoder must read, written here with libsndfile's writer: 1 s of a
// 440 Hz tone at amplitude 0.5 (RMS -9.03 dBFS), decoded to mono 16 kHz and checked for rate,
// length, level and that the tone survived.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sndfile.h>

#include <algorithm>
#include <cmath>

#include "audio/audio_fixtures.h"
#include "core/audio/decode.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using testing::ScratchDir;

struct FormatCase {
  std::string name;         // test name and file stem
  std::string extension;    // file name extension
  int format;               // SF_FORMAT_* major | subtype
  int rate;                 // Hz, written
  int channels;             // written (stereo: both channels carry the tone)
  std::string format_name;  // Audio::source_format expected
  double level_tol_db;      // |output RMS dB - source RMS dB|
  std::int64_t frame_tol;   // |decoded frames - written frames| (lossy codecs pad)
  double min_tone;          // fraction of output energy at 440 Hz
};

void PrintTo(const FormatCase& c, std::ostream* os) {
  *os << c.name;
}

constexpr double kSeconds = 1.0;
constexpr double kFreq = 440.0;
constexpr double kAmp = 0.5;
const double kToneDb = 20 * std::log10(kAmp / std::sqrt(2.0));  // -9.03 dBFS

class DecodeFormat : public ::testing::TestWithParam<FormatCase> {};

TEST_P(DecodeFormat, DecodesToMono16kWithRightLengthLevelAndTone) {
  const FormatCase& c = GetParam();
  if (!testing::can_write(c.format, c.rate, c.channels))
    GTEST_SKIP() << "this libsndfile build cannot write " << c.format_name << " at " << c.rate
                 << " Hz";
  ScratchDir dir;
  const auto path = dir / (c.name + "." + c.extension);
  const std::vector<float> tone = testing::sine(kFreq, kSeconds, c.rate, kAmp);
  std::vector<float> interleaved;
  for (const float v : tone)
    for (int ch = 0; ch < c.channels; ++ch) interleaved.push_back(v);
  ASSERT_TRUE(testing::write_sound(path, interleaved, c.channels, c.rate, c.format));

  const Audio audio = load_audio(path.string(), AudioOptions{});
  EXPECT_EQ(audio.sample_rate, 16000);
  EXPECT_EQ(audio.source_rate, c.rate);
  EXPECT_EQ(audio.source_channels, c.channels);
  EXPECT_EQ(audio.source_format, c.format_name);
  const auto written = static_cast<std::int64_t>(tone.size());
  EXPECT_NEAR(audio.source_frames, written, c.frame_tol);
  const double expected_len = std::round(double(audio.source_frames) * 16000 / c.rate);
  EXPECT_NEAR(double(audio.samples.size()), expected_len, 1.0);
  EXPECT_NEAR(audio.duration_s(), kSeconds, double(c.frame_tol) / c.rate + 1e-3);

  // Level: the output RMS matches the source's RMS as libsndfile reads it at the source rate,
  // skipping 20 ms at each end (codec and filter edges); the source is the tone written.
  const testing::Reference source = testing::read_reference(path);
  EXPECT_EQ(audio.source_frames, static_cast<std::int64_t>(source.mono.size()));
  const double source_db = testing::rms_db(source.mono, static_cast<std::size_t>(c.rate / 50));
  EXPECT_NEAR(testing::rms_db(audio.samples, 320), source_db, c.level_tol_db);
  EXPECT_NEAR(source_db, kToneDb, 0.1 + c.level_tol_db);  // u8 writes x*127 and reads /128
  EXPECT_GT(testing::tone_fraction(audio.samples, kFreq, 16000), c.min_tone);

  // The same bytes decoded from memory give the same samples.
  const std::string bytes = testing::read_bytes(path);
  const Audio from_memory = decode_audio(std::as_bytes(std::span(bytes)), "upload", AudioOptions{});
  EXPECT_EQ(from_memory.samples, audio.samples);
  EXPECT_EQ(from_memory.source_format, audio.source_format);
}

// Tolerances: the decoder keeps the source's level to 0.02 dB for lossless PCM/FLAC (8-bit:
// 0.05 dB, its quantisation noise is -50 dB) and 0.3 dB for lossy codecs; libsndfile's encoders
// here (LAME with its gapless header, libopus, libvorbis) give back exactly the frames written.
INSTANTIATE_TEST_SUITE_P(
    AllFormats, DecodeFormat,
    ::testing::Values(FormatCase{"wav_u8", "wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 22050, 1,
                                 "WAV PCM_U8", 0.05, 0, 0.99},
                      FormatCase{"wav_pcm16", "wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 1,
                                 "WAV PCM_16", 0.02, 0, 0.999},
                      FormatCase{"wav_pcm16_stereo", "wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100,
                                 2, "WAV PCM_16", 0.02, 0, 0.999},
                      FormatCase{"wav_pcm24", "wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 96000, 1,
                                 "WAV PCM_24", 0.02, 0, 0.999},
                      FormatCase{"wav_pcm32", "wav", SF_FORMAT_WAV | SF_FORMAT_PCM_32, 32000, 1,
                                 "WAV PCM_32", 0.02, 0, 0.999},
                      FormatCase{"wav_float", "wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 1,
                                 "WAV FLOAT", 0.02, 0, 0.999},
                      FormatCase{"wav_double", "wav", SF_FORMAT_WAV | SF_FORMAT_DOUBLE, 8000, 1,
                                 "WAV DOUBLE", 0.02, 0, 0.999},
                      FormatCase{"wavex_pcm16_stereo", "wav", SF_FORMAT_WAVEX | SF_FORMAT_PCM_16,
                                 48000, 2, "WAVEX PCM_16", 0.02, 0, 0.999},
                      FormatCase{"flac_16", "flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 44100, 1,
                                 "FLAC PCM_16", 0.02, 0, 0.999},
                      FormatCase{"flac_24_stereo", "flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 48000,
                                 2, "FLAC PCM_24", 0.02, 0, 0.999},
                      FormatCase{"aiff_16", "aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 24414, 1,
                                 "AIFF PCM_16", 0.02, 0, 0.999},
                      FormatCase{"aiff_24_stereo", "aif", SF_FORMAT_AIFF | SF_FORMAT_PCM_24, 48000,
                                 2, "AIFF PCM_24", 0.02, 0, 0.999},
                      FormatCase{"ogg_vorbis", "ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 44100, 1,
                                 "OGG VORBIS", 0.3, 0, 0.99},
                      FormatCase{"ogg_opus", "opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 48000, 1,
                                 "OGG OPUS", 0.3, 0, 0.99},
                      FormatCase{"ogg_opus_16k_stereo", "opus", SF_FORMAT_OGG | SF_FORMAT_OPUS,
                                 16000, 2, "OGG OPUS", 0.3, 0, 0.99},
                      FormatCase{"mp3", "mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 44100, 1,
                                 "MPEG MPEG_LAYER_III", 0.3, 0, 0.99},
                      FormatCase{"mp3_stereo_48k", "mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III,
                                 48000, 2, "MPEG MPEG_LAYER_III", 0.3, 0, 0.99}),
    [](const auto& p) { return p.param.name; });

// Stereo is mixed down by averaging: left 0.6 * tone, right 0.2 * tone -> 0.4 * tone, exactly
// (float WAV at 16 kHz: no quantisation, no resampling).
TEST(DecodeMixdown, AveragesChannels) {
  ScratchDir dir;
  const auto tone = testing::sine(kFreq, 0.25, 16000, 1.0);
  std::vector<float> interleaved;
  for (const float v : tone) {
    interleaved.push_back(0.6f * v);
    interleaved.push_back(0.2f * v);
  }
  ASSERT_TRUE(
      testing::write_sound(dir / "lr.wav", interleaved, 2, 16000, SF_FORMAT_WAV | SF_FORMAT_FLOAT));
  const Audio audio = load_audio((dir / "lr.wav").string(), AudioOptions{});
  ASSERT_EQ(audio.samples.size(), tone.size());
  for (std::size_t i = 0; i < tone.size(); ++i)
    ASSERT_NEAR(audio.samples[i], 0.4f * tone[i], 1e-6f) << "at sample " << i;
}

// Four channels with different constants average to their mean.
TEST(DecodeMixdown, AveragesFourChannels) {
  ScratchDir dir;
  const std::vector<float> frame = {0.1f, -0.3f, 0.5f, 0.9f};  // mean 0.3
  std::vector<float> interleaved;
  for (int i = 0; i < 1000; ++i) interleaved.insert(interleaved.end(), frame.begin(), frame.end());
  ASSERT_TRUE(testing::write_sound(dir / "quad.wav", interleaved, 4, 16000,
                                   SF_FORMAT_WAV | SF_FORMAT_FLOAT));
  const Audio audio = load_audio((dir / "quad.wav").string(), AudioOptions{});
  EXPECT_EQ(audio.source_channels, 4);
  ASSERT_EQ(audio.samples.size(), 1000u);
  for (const float v : audio.samples) ASSERT_NEAR(v, 0.3f, 1e-6f);
}

// Float WAV keeps samples beyond +-1.0: no clipping on read nor in the resampler.
TEST(DecodeFloat, SamplesBeyondFullScaleAreNotClipped) {
  ScratchDir dir;
  const auto loud = testing::sine(kFreq, 0.5, 16000, 1.5);
  ASSERT_TRUE(
      testing::write_sound(dir / "loud16k.wav", loud, 1, 16000, SF_FORMAT_WAV | SF_FORMAT_FLOAT));
  const Audio same_rate = load_audio((dir / "loud16k.wav").string(), AudioOptions{});
  EXPECT_EQ(same_rate.samples, loud);  // bit-exact: no resampling, no scaling

  const auto loud44 = testing::sine(kFreq, 0.5, 44100, 1.5);
  ASSERT_TRUE(
      testing::write_sound(dir / "loud44k.wav", loud44, 1, 44100, SF_FORMAT_WAV | SF_FORMAT_FLOAT));
  const Audio resampled = load_audio((dir / "loud44k.wav").string(), AudioOptions{});
  const auto [lo, hi] = std::minmax_element(resampled.samples.begin(), resampled.samples.end());
  EXPECT_GT(*hi, 1.45f);
  EXPECT_LT(*lo, -1.45f);
  EXPECT_NEAR(testing::rms_db(resampled.samples, 320), 20 * std::log10(1.5 / std::sqrt(2.0)), 0.02);
}

// Integer PCM maps full scale to [-1, 1): 16-bit -32768 -> -1.0, 16384 -> 0.5 exactly.
TEST(DecodePcm, SixteenBitScaling) {
  ScratchDir dir;
  const std::vector<std::int16_t> pcm = {0, 16384, -16384, 32767, -32768, 1};
  testing::write_file(
      dir / "scale.wav",
      testing::wave_file({testing::fmt_chunk(1, 1, 16000, 16),
                          testing::riff_chunk("data", testing::pcm16_payload(pcm))}));
  const Audio audio = load_audio((dir / "scale.wav").string(), AudioOptions{});
  EXPECT_THAT(audio.samples,
              ::testing::ElementsAre(0.0f, 0.5f, -0.5f, 32767.0f / 32768, -1.0f, 1.0f / 32768));
  EXPECT_EQ(audio.source_format, "WAV PCM_16");
}

// The configured rate and quality are honoured.
TEST(DecodeOptions, OtherTargetRate) {
  ScratchDir dir;
  const auto tone = testing::sine(kFreq, 1.0, 44100, kAmp);
  ASSERT_TRUE(
      testing::write_sound(dir / "t.flac", tone, 1, 44100, SF_FORMAT_FLAC | SF_FORMAT_PCM_16));
  AudioOptions options;
  options.sample_rate = 22050;
  options.resample_quality = ResampleQuality::VeryHigh;
  const Audio audio = load_audio((dir / "t.flac").string(), options);
  EXPECT_EQ(audio.sample_rate, 22050);
  EXPECT_EQ(audio.samples.size(), 22050u);
  EXPECT_NEAR(testing::rms_db(audio.samples, 441), kToneDb, 0.02);
}

}  // namespace
}  // namespace calmspace
