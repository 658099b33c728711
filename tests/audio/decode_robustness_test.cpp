// Damaged files of every format (cut short, bytes overwritten) either decode to finite audio of a
// plausible length or throw InputError naming the file: never a crash, a hang or another
// exception type. Plus the decode speed, printed for the record.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sndfile.h>

#include <chrono>
#include <cmath>

#include "audio/audio_fixtures.h"
#include "core/audio/decode.h"
#include "core/base/error.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using testing::ScratchDir;
using ::testing::StartsWith;

struct Codec {
  std::string extension;
  int format;
  int rate;
};

const std::vector<Codec> kCodecs = {
    {"wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000},
    {"wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100},
    {"aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_24, 24414},
    {"flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 44100},
    {"ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 44100},
    {"opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 48000},
    {"mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 44100},
};

// Decodes `bytes` both from a file and from memory; checks the outcome is audio or InputError.
void expect_audio_or_input_error(const ScratchDir& dir, const std::string& bytes,
                                 const std::string& stem, double max_seconds) {
  SCOPED_TRACE(stem);
  const auto path = dir / stem;
  testing::write_file(path, bytes);
  for (const bool from_memory : {false, true}) {
    try {
      const Audio audio = from_memory
                              ? decode_audio(std::as_bytes(std::span(bytes)), stem, AudioOptions{})
                              : load_audio(path.string(), AudioOptions{});
      EXPECT_FALSE(audio.samples.empty());
      EXPECT_LE(audio.duration_s(), max_seconds + 0.1);
      for (const float v : audio.samples) ASSERT_TRUE(std::isfinite(v));
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), StartsWith((from_memory ? stem : path.string()) + ": "));
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "unexpected exception type: " << e.what();
    }
  }
}

TEST(DecodeRobustness, CutShortOrOverwrittenFilesNeverCrash) {
  ScratchDir dir;
  int cases = 0;
  for (const Codec& codec : kCodecs) {
    const auto tone = testing::sine(440, 1.0, codec.rate, 0.5);
    const auto path = dir / ("source." + codec.extension);
    ASSERT_TRUE(testing::write_sound(path, tone, 1, codec.rate, codec.format));
    const std::string bytes = testing::read_bytes(path);
    for (const double keep : {0.05, 0.3, 0.5, 0.9, 0.99}) {
      const auto n = static_cast<std::size_t>(keep * double(bytes.size()));
      expect_audio_or_input_error(dir, bytes.substr(0, n),
                                  "cut" + std::to_string(n) + "." + codec.extension, 1.0);
      ++cases;
    }
    for (const double at : {0.02, 0.1, 0.5}) {  // overwrite 64 bytes with a pattern
      std::string broken = bytes;
      const auto pos = static_cast<std::size_t>(at * double(bytes.size()));
      for (std::size_t i = pos; i < std::min(broken.size(), pos + 64); ++i)
        broken[i] = static_cast<char>(0xA5 ^ (i * 31));
      expect_audio_or_input_error(dir, broken,
                                  "garbled" + std::to_string(pos) + "." + codec.extension, 1.0);
      ++cases;
    }
  }
  EXPECT_EQ(cases, 8 * static_cast<int>(kCodecs.size()));
}

// Decode + mixdown + resample speed for 60 s of 48 kHz stereo, printed (not asserted: shared
// machine). The output is validated before timing is reported.
TEST(DecodeSpeed, SixtySecondsStereo48k) {
  ScratchDir dir;
  const auto left = testing::white_noise(60 * 48000, 0.1, 11);
  std::vector<float> interleaved;
  interleaved.reserve(2 * left.size());
  for (const float v : left) {
    interleaved.push_back(v);
    interleaved.push_back(-v);  // right = -left: the mono mix is exactly 0
  }
  for (const auto& [ext, format] :
       std::vector<std::pair<std::string, int>>{{"wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16},
                                                {"flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16}}) {
    const auto path = dir / ("long." + ext);
    ASSERT_TRUE(testing::write_sound(path, interleaved, 2, 48000, format));
    const Audio warm = load_audio(path.string(), AudioOptions{});  // page cache warm-up
    ASSERT_EQ(warm.samples.size(), 60u * 16000);
    std::vector<double> ms;
    for (int rep = 0; rep < 5; ++rep) {
      const auto start = std::chrono::steady_clock::now();
      const Audio audio = load_audio(path.string(), AudioOptions{});
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
      ASSERT_EQ(audio.samples.size(), 60u * 16000);
      EXPECT_LT(testing::rms_db(audio.samples), -100.0);  // left + right cancel
    }
    std::sort(ms.begin(), ms.end());
    std::printf(
        "load_audio 60 s 48 kHz stereo %s -> 16 kHz mono: median %.1f ms (min %.1f, max "
        "%.1f; %.0fx real time)\n",
        ext.c_str(), ms[2], ms[0], ms[4], 60000 / ms[2]);
  }
}

}  // namespace
}  // namespace calmspace
