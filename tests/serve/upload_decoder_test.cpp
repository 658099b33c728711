// Browser recordings decode on the server: WebM/Opus (Chrome, Edge), Ogg/Opus (Firefox),
// fragmented MP4/AAC (Safari), plain .m4a and ADTS .aac uploads (FFmpeg), WAV/FLAC (libsndfile).
// Each gives the duration and the level of the signal it was made from.
#include "core/audio/decode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/base/error.h"
#include "serve/server_harness.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;

double rms(std::span<const float> x) {
  double s = 0;
  for (float v : x) s += double(v) * v;
  return std::sqrt(s / x.size());
}

struct Case {
  const char* file;
  const char* muxer;
  const char* encoder;
  const char* movflags;
  int rate;
  const char* format;  // Audio::source_format
  const char* mime;
};

class BrowserFormats : public ::testing::TestWithParam<Case> {};

TEST_P(BrowserFormats, DecodeToTheRecordedSignal) {
  const Case c = GetParam();
  testing::ScratchDir dir;
  const std::vector<float> signal = testing::voice_like(3.0, c.rate);
  const std::string bytes =
      testing::encode_with_ffmpeg(dir / c.file, signal, c.rate, c.muxer, c.encoder, c.movflags);
  AudioOptions options;
  const Audio audio = decode_audio({reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()},
                                   c.file, options);
  EXPECT_EQ(audio.source_format, c.format);
  EXPECT_EQ(audio.sample_rate, 16000);
  EXPECT_EQ(audio.source_rate, c.rate);
  EXPECT_EQ(audio.source_channels, 1);
  // Lossy codecs add priming/padding samples (Opus 312 at 48 kHz, AAC 1024): within 0.1 s.
  EXPECT_NEAR(audio.duration_s(), 3.0, 0.1);
  EXPECT_NEAR(rms(audio.samples), rms(signal), 0.1 * rms(signal));
  EXPECT_EQ(audio_mime_type(audio.source_format), c.mime);
}

INSTANTIATE_TEST_SUITE_P(
    Serve, BrowserFormats,
    ::testing::Values(
        Case{"chrome.webm", "webm", "libopus", "", 48000, "MATROSKA OPUS", "audio/webm"},
        Case{"firefox.ogg", "ogg", "libopus", "", 48000, "OGG OPUS", "audio/ogg"},
        Case{"safari.mp4", "mp4", "aac", "frag_keyframe+empty_moov", 44100, "MOV AAC", "audio/mp4"},
        Case{"voice.m4a", "ipod", "aac", "", 44100, "MOV AAC", "audio/mp4"},
        Case{"voice.aac", "adts", "aac", "", 44100, "AAC AAC", "audio/mp4"}),
    [](const auto& param_info) {
      std::string name = param_info.param.file;
      for (char& ch : name)
        if (ch == '.') ch = '_';
      return name;
    });

TEST(UploadDecoder, WavAndFlacGoThroughLibsndfile) {
  testing::ScratchDir dir;
  const std::string wav = testing::voice_wav(dir / "v.wav", 2.0);
  const Audio audio = decode_audio({reinterpret_cast<const std::byte*>(wav.data()), wav.size()},
                                   "v.wav", AudioOptions{});
  EXPECT_EQ(audio.source_format, "WAV PCM_16");
  EXPECT_EQ(audio.samples.size(), 32000u);
  EXPECT_EQ(audio_mime_type("FLAC PCM_16"), "audio/flac");
}

TEST(UploadDecoder, NotAudioSaysWhatItIsAndTooLongIsRefused) {
  testing::ScratchDir dir;
  auto decode = [](const std::string& bytes, const std::string& name, AudioOptions o = {}) {
    return decode_audio({reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()}, name, o);
  };
  try {
    decode("just some text that is long enough to sniff\n", "note.wav");
    FAIL() << "text decoded";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "note.wav");
    EXPECT_THAT(e.reason(), HasSubstr("text"));
  }
  const std::string webm = testing::encode_with_ffmpeg(
      dir / "long.webm", testing::voice_like(3.0, 48000), 48000, "webm", "libopus");
  AudioOptions short_limit;
  short_limit.max_duration_s = 1.0;
  try {
    decode(webm, "long.webm", short_limit);
    FAIL() << "too long decoded";
  } catch (const InputError& e) {
    EXPECT_THAT(e.reason(), HasSubstr("longer than"));
  }
  // Matroska without an audio track (a header-only stream): no audio.
  EXPECT_THROW(decode(webm.substr(0, 40), "cut.webm"), InputError);
  EXPECT_EQ(audio_mime_type("SOMETHING ELSE"), "application/octet-stream");
}

}  // namespace
}  // namespace calmspace
