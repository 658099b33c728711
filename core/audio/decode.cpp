#include "core/audio/decode.h"

#include "core/audio/audio_stream.h"

namespace calmspace {
namespace {

// The whole stream, in one vector sized from the header's estimate.
Audio read_all(AudioStream& stream) {
  Audio audio;
  audio.sample_rate = stream.sample_rate();
  audio.samples.reserve(static_cast<std::size_t>(stream.expected_samples()));
  constexpr std::size_t kChunk = 1 << 16;
  for (;;) {
    const std::size_t at = audio.samples.size();
    audio.samples.resize(at + kChunk);
    const std::size_t got = stream.read({audio.samples.data() + at, kChunk});
    audio.samples.resize(at + got);
    if (got < kChunk) break;
  }
  audio.source_rate = stream.source().rate;
  audio.source_channels = stream.source().channels;
  audio.source_frames = stream.source_frames_read();
  audio.source_format = stream.source().format;
  return audio;
}

}  // namespace

Audio load_audio(const std::string& path, const AudioOptions& options) {
  return read_all(*AudioStream::open(path, options));
}

Audio decode_audio(std::span<const std::byte> bytes, const std::string& name,
                   const AudioOptions& options) {
  return read_all(*AudioStream::open_memory(bytes, name, options));
}

}  // namespace calmspace
