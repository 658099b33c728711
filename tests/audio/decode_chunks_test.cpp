// WAV files with extra RIFF chunks anywhere (as RAVDESS ships them): LIST before fmt, odd-sized
// chunks between fmt and data, chunks after data. Written byte by byte; 16 kHz mono PCM16, so the
// decoded samples must equal pcm / 32768 exactly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "audio/audio_fixtures.h"
#include "core/audio/decode.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using testing::riff_chunk;
using testing::ScratchDir;

std::vector<std::int16_t> ramp_pcm(int frames) {
  std::vector<std::int16_t> pcm(static_cast<std::size_t>(frames));
  for (int i = 0; i < frames; ++i)
    pcm[i] = static_cast<std::int16_t>(std::lround(12000 * std::sin(0.05 * i) + (i % 7) * 300));
  return pcm;
}

void expect_pcm(const Audio& audio, const std::vector<std::int16_t>& pcm) {
  ASSERT_EQ(audio.samples.size(), pcm.size());
  EXPECT_EQ(audio.source_frames, static_cast<std::int64_t>(pcm.size()));
  for (std::size_t i = 0; i < pcm.size(); ++i)
    ASSERT_EQ(audio.samples[i], pcm[i] / 32768.0f) << "at sample " << i;
}

struct ChunkLayout {
  std::string name;
  std::vector<std::string> before_fmt, between, after_data;
};

class DecodeChunks : public ::testing::TestWithParam<ChunkLayout> {};

TEST_P(DecodeChunks, ExtraChunksAreSkipped) {
  const ChunkLayout& layout = GetParam();
  const auto pcm = ramp_pcm(3001);  // (3001,) int16; the odd-sized chunks come from the extras
  std::vector<std::string> chunks = layout.before_fmt;
  chunks.push_back(testing::fmt_chunk(1, 1, 16000, 16));
  chunks.insert(chunks.end(), layout.between.begin(), layout.between.end());
  chunks.push_back(riff_chunk("data", testing::pcm16_payload(pcm)));
  chunks.insert(chunks.end(), layout.after_data.begin(), layout.after_data.end());
  const std::string bytes = testing::wave_file(chunks);

  ScratchDir dir;
  testing::write_file(dir / "chunks.wav", bytes);
  expect_pcm(load_audio((dir / "chunks.wav").string(), AudioOptions{}), pcm);
  expect_pcm(decode_audio(std::as_bytes(std::span(bytes)), "chunks.wav", AudioOptions{}), pcm);
}

const std::string kList = riff_chunk(
    "LIST", "INFOINAM" + testing::le32(6) + "Title\0" + "IART" + testing::le32(4) + "Me!\0");
const std::string kOdd = riff_chunk("junk", "abc");  // 3 bytes + 1 pad byte
const std::string kBext = riff_chunk("bext", std::string(602, 'b'));
const std::string kPmx = riff_chunk("_PMX", "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>");
const std::string kFact = riff_chunk("fact", testing::le32(3001));

INSTANTIATE_TEST_SUITE_P(
    Layouts, DecodeChunks,
    ::testing::Values(ChunkLayout{"plain", {}, {}, {}},
                      ChunkLayout{"list_before_fmt", {kList}, {}, {}},
                      ChunkLayout{"odd_chunk_between_fmt_and_data", {}, {kOdd, kFact}, {}},
                      ChunkLayout{"chunks_after_data", {}, {}, {kPmx, kOdd}},
                      ChunkLayout{"everywhere", {kList, kOdd}, {kBext, kOdd}, {kList, kPmx}}),
    [](const auto& p) { return p.param.name; });

}  // namespace
}  // namespace calmspace
