// AudioStream: a recording read block by block gives exactly the samples of a whole-file decode
// (channels averaged, then resample() of the whole signal), whatever the read sizes; and the
// duration limit holds at its edge, from the header and while reading.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sndfile.h>

#include "audio/audio_fixtures.h"
#include "core/audio/audio_stream.h"
#include "core/audio/decode.h"
#include "core/audio/resample.h"
#include "core/base/error.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

// Reads the whole stream with reads of `sizes[i % sizes.size()]` samples.
std::vector<float> read_in_pieces(AudioStream& stream, const std::vector<std::size_t>& sizes) {
  std::vector<float> out;
  for (std::size_t i = 0;; ++i) {
    std::vector<float> piece(sizes[i % sizes.size()]);
    const std::size_t got = stream.read(piece);
    out.insert(out.end(), piece.begin(), piece.begin() + static_cast<std::ptrdiff_t>(got));
    if (got < piece.size()) {
      std::vector<float> more(16);
      EXPECT_EQ(stream.read(more), 0u) << "a short read is the end";
      return out;
    }
  }
}

struct StreamCase {
  int rate;
  int channels;
  double seconds;
};

class AudioStreamEqualsWholeFile : public ::testing::TestWithParam<StreamCase> {};

// Bit-identical to averaging the channels of the whole file and converting it in one call: the
// streamed libsoxr filter is the one-shot filter.
TEST_P(AudioStreamEqualsWholeFile, ForEveryReadSize) {
  const StreamCase c = GetParam();
  testing::ScratchDir dir;
  const auto frames = static_cast<std::int64_t>(c.seconds * c.rate);
  const auto interleaved = testing::white_noise(frames * c.channels, 0.2, 11);
  const auto path = dir / "x.wav";
  ASSERT_TRUE(
      testing::write_sound(path, interleaved, c.channels, c.rate, SF_FORMAT_WAV | SF_FORMAT_FLOAT));
  const testing::Reference ref = testing::read_reference(path);
  const std::vector<float> want =
      resample(ref.mono, c.rate, 16000, ResampleQuality::High);  // the one-shot definition
  ASSERT_EQ(static_cast<std::int64_t>(want.size()), resampled_length(frames, c.rate, 16000));

  const AudioOptions options;
  for (const std::vector<std::size_t>& sizes :
       {std::vector<std::size_t>{1 << 20}, {1}, {160}, {4000}, {1, 7, 333, 65536, 5}}) {
    const auto stream = AudioStream::open(path.string(), options);
    EXPECT_EQ(stream->expected_samples(), static_cast<std::int64_t>(want.size()));
    const std::vector<float> got = read_in_pieces(*stream, sizes);
    ASSERT_EQ(got.size(), want.size()) << "reads of " << sizes.front();
    EXPECT_EQ(got, want) << "reads of " << sizes.front() << " samples";
    EXPECT_EQ(stream->source_frames_read(), frames);
  }
  EXPECT_EQ(load_audio(path.string(), options).samples, want);
}

INSTANTIATE_TEST_SUITE_P(Rates, AudioStreamEqualsWholeFile,
                         ::testing::Values(StreamCase{16000, 1, 3.1}, StreamCase{48000, 2, 3.7},
                                           StreamCase{44100, 1, 2.0}, StreamCase{24414, 1, 4.3},
                                           StreamCase{96000, 2, 1.3}, StreamCase{8000, 1, 5.0},
                                           StreamCase{48000, 1, 0.0002}),
                         [](const auto& p) {
                           return std::to_string(p.param.rate) + "Hz_" +
                                  std::to_string(p.param.channels) + "ch_" +
                                  std::to_string(static_cast<int>(p.param.seconds * 1e4));
                         });

// audio.max_duration_s at its edge: exactly the limit is read, one frame more is refused, from
// the header, before anything is decoded.
TEST(AudioStream, DurationLimitAtItsEdge) {
  testing::ScratchDir dir;
  const auto path = dir / "two_seconds.wav";
  ASSERT_TRUE(testing::write_sound(path, testing::white_noise(32000, 0.1, 3), 1, 16000,
                                   SF_FORMAT_WAV | SF_FORMAT_PCM_16));
  AudioOptions at_limit;
  at_limit.max_duration_s = 2.0;
  EXPECT_EQ(load_audio(path.string(), at_limit).samples.size(), 32000u);
  AudioOptions below;
  below.max_duration_s = 2.0 - 1.0 / 16000;
  try {
    AudioStream::open(path.string(), below);
    FAIL() << "a recording one sample over the limit was opened";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), path.string());
    EXPECT_THAT(e.reason(), ::testing::HasSubstr("longer than audio.max_duration_s"));
  }
}

// An in-memory upload streams the same samples as the file.
TEST(AudioStream, MemoryEqualsFile) {
  testing::ScratchDir dir;
  const auto path = dir / "x.flac";
  ASSERT_TRUE(testing::write_sound(path, testing::white_noise(2 * 30000, 0.1, 5), 2, 44100,
                                   SF_FORMAT_FLAC | SF_FORMAT_PCM_16));
  const std::string bytes = testing::read_bytes(path);
  const auto memory =
      AudioStream::open_memory({reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()},
                               "upload.flac", AudioOptions{});
  EXPECT_EQ(memory->name(), "upload.flac");
  EXPECT_EQ(memory->source().format, "FLAC PCM_16");
  EXPECT_EQ(memory->source().channels, 2);
  EXPECT_EQ(read_in_pieces(*memory, {1000}), load_audio(path.string(), AudioOptions{}).samples);
}

}  // namespace
}  // namespace calmspace
