// Bad input gives one clear line naming the file and the reason (InputError), never a crash,
// a hang or silent garbage.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sndfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <limits>

#include "audio/audio_fixtures.h"
#include "core/audio/decode.h"
#include "core/base/error.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ScratchDir;
using ::testing::StartsWith;

// Loads `path` expecting an InputError; returns it (or fails the test).
InputError load_error(const std::filesystem::path& path, const AudioOptions& options = {}) {
  try {
    const Audio audio = load_audio(path.string(), options);
    ADD_FAILURE() << path << " decoded to " << audio.samples.size()
                  << " samples, expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), path.string());
    EXPECT_THAT(e.what(), StartsWith(path.string() + ": "));
    EXPECT_THAT(e.what(), Not(HasSubstr("\n"))) << "one line";
    return e;
  }
  return InputError(path.string(), "<no error>");
}

InputError decode_error(const std::string& bytes, const std::string& name) {
  try {
    const Audio audio = decode_audio(std::as_bytes(std::span(bytes)), name, AudioOptions{});
    ADD_FAILURE() << name << " decoded to " << audio.samples.size()
                  << " samples, expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), name);
    EXPECT_THAT(e.what(), Not(HasSubstr("\n")));
    return e;
  }
  return InputError(name, "<no error>");
}

std::string valid_wav(int frames = 1600) {
  std::vector<std::int16_t> pcm(static_cast<std::size_t>(frames));
  for (int i = 0; i < frames; ++i) pcm[i] = static_cast<std::int16_t>(8000 * std::sin(0.1 * i));
  return testing::wave_file({testing::fmt_chunk(1, 1, 16000, 16),
                             testing::riff_chunk("data", testing::pcm16_payload(pcm))});
}

TEST(DecodeErrors, MissingFile) {
  ScratchDir dir;
  EXPECT_STREQ(load_error(dir / "nope.wav").what(),
               ((dir / "nope.wav").string() + ": no such file").c_str());
}

TEST(DecodeErrors, DirectoryCannotBeRead) {
  ScratchDir dir;
  std::filesystem::create_directory(dir / "folder.wav");
  EXPECT_EQ(load_error(dir / "folder.wav").reason(), "is a directory, not an audio file");
}

TEST(DecodeErrors, FifoIsRefusedWithoutHanging) {
  ScratchDir dir;
  ASSERT_EQ(mkfifo((dir / "pipe.wav").c_str(), 0600), 0);
  EXPECT_THAT(load_error(dir / "pipe.wav").reason(), HasSubstr("not a regular file"));
}

TEST(DecodeErrors, UnreadableFile) {
  if (geteuid() == 0) GTEST_SKIP() << "running as root: file permissions do not stop reads";
  ScratchDir dir;
  testing::write_file(dir / "locked.wav", valid_wav());
  ASSERT_EQ(chmod((dir / "locked.wav").c_str(), 0), 0);
  EXPECT_THAT(load_error(dir / "locked.wav").reason(), HasSubstr("cannot be read"));
}

TEST(DecodeErrors, EmptyFile) {
  ScratchDir dir;
  testing::write_file(dir / "x.wav", "");
  EXPECT_EQ(load_error(dir / "x.wav").reason(), "file is empty");
  EXPECT_EQ(decode_error("", "upload.wav").reason(), "file is empty");
}

TEST(DecodeErrors, TruncatedHeaders) {
  ScratchDir dir;
  const std::string wav = valid_wav();
  for (const std::size_t keep : {4u, 11u, 12u, 20u, 36u, 43u}) {
    SCOPED_TRACE("kept " + std::to_string(keep) + " bytes");
    const auto path = dir / ("cut" + std::to_string(keep) + ".wav");
    testing::write_file(path, wav.substr(0, keep));
    EXPECT_EQ(load_error(path).reason(), "truncated WAV header (" + std::to_string(keep) +
                                             " bytes, a WAV header needs at least 44)");
    EXPECT_THAT(decode_error(wav.substr(0, keep), "cut.wav").reason(), HasSubstr("truncated WAV"));
  }
}

TEST(DecodeErrors, WavWithoutDataChunkIsDamaged) {
  ScratchDir dir;
  // A full-size header whose only chunks are fmt and a LIST: no 'data' chunk at all.
  testing::write_file(dir / "nodata.wav",
                      testing::wave_file({testing::fmt_chunk(1, 1, 16000, 16),
                                          testing::riff_chunk("LIST", std::string(40, 'a'))}));
  EXPECT_THAT(load_error(dir / "nodata.wav").reason(),
              StartsWith("damaged or unsupported WAV file (libsndfile: "));
}

TEST(DecodeErrors, TextNamedWav) {
  ScratchDir dir;
  testing::write_file(dir / "notes.wav", "These are my meeting notes.\nNothing to hear here.\n");
  EXPECT_EQ(load_error(dir / "notes.wav").reason(),
            "not a recognised audio format (it looks like text)");
}

TEST(DecodeErrors, PngNamedWav) {
  ScratchDir dir;
  std::string png = "\x89PNG\r\n\x1A\n";
  png += testing::le32(0x0D000000) + "IHDR" + std::string(17, '\0');
  testing::write_file(dir / "x.wav", png);
  EXPECT_EQ(load_error(dir / "x.wav").reason(),
            "not a recognised audio format (it looks like a PNG image)");
  EXPECT_EQ(std::string(decode_error(png, "photo.wav").what()),
            "photo.wav: not a recognised audio format (it looks like a PNG image)");
}

TEST(DecodeErrors, OtherNonAudioFilesSayWhatTheyAre) {
  ScratchDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string("\xFF\xD8\xFF\xE0") + std::string(60, '\0'), "a JPEG image"},
      {"%PDF-1.7\n" + std::string(60, '\x01'), "a PDF document"},
      {std::string("\0\0\0\x20"
                   "ftypM4A ",
                   12) +
           std::string(60, '\0'),
       "MP4/M4A"},
      {std::string("\x1A\x45\xDF\xA3") + std::string(60, '\x02'), "WebM/Matroska"},
  };
  for (const auto& [bytes, what] : cases) {
    testing::write_file(dir / "y.wav", bytes);
    EXPECT_THAT(load_error(dir / "y.wav").reason(), HasSubstr(what));
  }
}

TEST(DecodeErrors, BinaryGarbage) {
  ScratchDir dir;
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 7919 + 13) % 251 % 32));
  testing::write_file(dir / "junk.wav", junk);
  EXPECT_EQ(load_error(dir / "junk.wav").reason(),
            "not a recognised audio format (libsndfile: Format not recognised)");
}

TEST(DecodeErrors, ZeroFrames) {
  ScratchDir dir;
  testing::write_file(dir / "silent.wav", testing::wave_file({testing::fmt_chunk(1, 1, 16000, 16),
                                                              testing::riff_chunk("data", "")}));
  EXPECT_THAT(load_error(dir / "silent.wav").reason(), HasSubstr("contains no audio"));
  // The same written by libsndfile itself (a complete header, no frames).
  SF_INFO info{};
  info.format = SF_FORMAT_AIFF | SF_FORMAT_PCM_16;
  info.samplerate = 16000;
  info.channels = 1;
  sf_close(sf_open((dir / "empty.aiff").c_str(), SFM_WRITE, &info));
  EXPECT_THAT(load_error(dir / "empty.aiff").reason(), HasSubstr("contains no audio"));
}

TEST(DecodeErrors, NonFiniteFloatSamples) {
  ScratchDir dir;
  for (const float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
        -std::numeric_limits<float>::infinity()}) {
    std::vector<float> samples = testing::sine(440, 0.1, 16000, 0.5);  // 1600 samples
    samples[1234] = bad;
    const auto path = dir / "nan.wav";
    testing::write_file(
        path, testing::wave_file({testing::fmt_chunk(3, 1, 16000, 32),
                                  testing::riff_chunk("data", testing::float_payload(samples))}));
    EXPECT_EQ(load_error(path).reason(),
              "contains a non-finite sample (NaN or infinity) at frame 1234 (0.077125 s)");
  }
  // Stereo: the bad sample in the right channel of frame 700 at 44.1 kHz (resampling path).
  std::vector<float> stereo(2 * 4410, 0.25f);
  stereo[2 * 700 + 1] = std::numeric_limits<float>::quiet_NaN();
  testing::write_file(
      dir / "nan2.wav",
      testing::wave_file({testing::fmt_chunk(3, 2, 44100, 32),
                          testing::riff_chunk("data", testing::float_payload(stereo))}));
  EXPECT_THAT(load_error(dir / "nan2.wav").reason(), HasSubstr("at frame 700 "));
}

// Issue 20: finite but huge float samples (their power spectrum overflows to infinity) are refused
// like NaN, naming the value and where it is; a sample just over full scale is fine.
TEST(DecodeErrors, HugeFiniteFloatSamples) {
  ScratchDir dir;
  for (const float bad : {1e20f, -3e38f, 1001.0f}) {
    std::vector<float> samples = testing::sine(440, 0.1, 16000, 0.5);
    samples[800] = bad;
    const auto path = dir / "huge.wav";
    testing::write_file(
        path, testing::wave_file({testing::fmt_chunk(3, 1, 16000, 32),
                                  testing::riff_chunk("data", testing::float_payload(samples))}));
    EXPECT_THAT(load_error(path).reason(),
                AllOf(StartsWith("contains the sample value "), HasSubstr(" at frame 800 (0.05 s)"),
                      HasSubstr("far outside audio's range")));
  }
  std::vector<float> loud = testing::sine(440, 0.1, 16000, 0.5);
  loud[10] = 1.5f;  // over full scale, as float files may be
  testing::write_file(
      dir / "loud.wav",
      testing::wave_file({testing::fmt_chunk(3, 1, 16000, 32),
                          testing::riff_chunk("data", testing::float_payload(loud))}));
  EXPECT_EQ(load_audio((dir / "loud.wav").string(), AudioOptions{}).samples.size(), 1600u);
}

// A WAV at 1 Hz or 100 Hz, an AIFF whose 80-bit rate is 0.5 (libsndfile reads it as 1 Hz): not
// audio a person recorded.
TEST(DecodeErrors, SampleRatesNoRecordingHas) {
  ScratchDir dir;
  const std::vector<std::int16_t> pcm(4000, 1000);
  for (const int rate : {1, 100, 3999, 800000}) {
    testing::write_file(
        dir / "odd.wav",
        testing::wave_file({testing::fmt_chunk(1, 1, rate, 16),
                            testing::riff_chunk("data", testing::pcm16_payload(pcm))}));
    EXPECT_EQ(load_error(dir / "odd.wav").reason(),
              cat("sample rate ", rate,
                  " Hz is not one an audio recording has (4000-768000 Hz accepted)"))
        << rate;
  }
  SF_INFO info{};
  info.format = SF_FORMAT_AIFF | SF_FORMAT_PCM_16;
  info.samplerate = 1;
  info.channels = 1;
  SNDFILE* f = sf_open((dir / "slow.aiff").c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr);
  sf_write_short(f, pcm.data(), static_cast<sf_count_t>(pcm.size()));
  sf_close(f);
  EXPECT_THAT(load_error(dir / "slow.aiff").reason(), StartsWith("sample rate 1 Hz is not one"));
}

// An MP3 (ID3 tag) with no decodable frame: the reason says so, not libsndfile's "possibly a
// pipe?" for a regular file (issue 20).
TEST(DecodeErrors, MpegWithoutFramesSaysSo) {
  ScratchDir dir;
  std::string bytes = std::string("ID3\x03\x00\x00\x00\x00\x00\x00", 10);
  for (int i = 0; i < 5000; ++i) bytes += static_cast<char>((i * 7919) % 251);
  testing::write_file(dir / "broken.mp3", bytes);
  const std::string reason = load_error(dir / "broken.mp3").reason();
  EXPECT_EQ(reason.find("pipe"), std::string::npos) << reason;
  EXPECT_THAT(reason, StartsWith("damaged or unsupported")) << reason;
}

TEST(DecodeErrors, LongerThanMaxDuration) {
  ScratchDir dir;
  testing::write_file(dir / "long.wav", valid_wav(16000 * 3));
  AudioOptions options;
  options.max_duration_s = 2.5;
  EXPECT_EQ(load_error(dir / "long.wav", options).reason(),
            "recording is 3 s long, longer than audio.max_duration_s=2.5 s");
}

TEST(DecodeErrors, TooShortToResample) {
  ScratchDir dir;
  // One frame at 48 kHz is a third of a sample at 16 kHz.
  const std::vector<std::int16_t> one = {1000};
  testing::write_file(
      dir / "blip.wav",
      testing::wave_file({testing::fmt_chunk(1, 1, 48000, 16),
                          testing::riff_chunk("data", testing::pcm16_payload(one))}));
  EXPECT_THAT(load_error(dir / "blip.wav").reason(), StartsWith("too short: 1 frames at 48000 Hz"));
}

// A data chunk claiming more bytes than the file holds: the frames present are decoded.
TEST(DecodeErrors, TruncatedDataDecodesWhatIsThere) {
  ScratchDir dir;
  const std::string wav = valid_wav(1600);
  testing::write_file(dir / "cut.wav", wav.substr(0, 44 + 2 * 1000));
  const Audio audio = load_audio((dir / "cut.wav").string(), AudioOptions{});
  EXPECT_EQ(audio.source_frames, 1000);
  EXPECT_EQ(audio.samples.size(), 1000u);
  EXPECT_NEAR(audio.samples[999], 8000 * std::sin(99.9) / 32768, 1.0 / 32768);
}

}  // namespace
}  // namespace calmspace
