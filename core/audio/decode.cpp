#include "core/audio/decode.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "core/audio/audio_stream.h"
#include "core/audio/ffmpeg_decode.h"
#include "core/audio/sniff.h"
#include "core/base/error.h"

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

bool is_ogg(std::span<const std::byte> bytes) {
  return bytes.size() >= 4 && std::to_integer<char>(bytes[0]) == 'O' &&
         std::to_integer<char>(bytes[1]) == 'g' && std::to_integer<char>(bytes[2]) == 'g' &&
         std::to_integer<char>(bytes[3]) == 'S';
}

}  // namespace

bool needs_ffmpeg(std::span<const std::byte> head) {
  return is_ffmpeg_container(head);
}

Audio load_audio(const std::string& path, const AudioOptions& options) {
  // AudioStream::open decodes FFmpeg's formats whole, and retries an Ogg libsndfile refuses; its
  // source info is then the decoded samples', so those files take FFmpeg's Audio directly.
  std::uint64_t size = 0;
  if (needs_ffmpeg(preflight(path, &size))) return ffmpeg_decode_file(path, options);
  return read_all(*AudioStream::open(path, options));
}

Audio decode_audio(std::span<const std::byte> bytes, const std::string& name,
                   const AudioOptions& options) {
  if (is_ffmpeg_container(bytes)) return ffmpeg_decode(bytes, name, options);
  try {
    return read_all(*AudioStream::open_memory(bytes, name, options));
  } catch (const InputError&) {
    if (!is_ogg(bytes)) throw;
    try {
      return ffmpeg_decode(bytes, name, options);
    } catch (const InputError&) {
    }
    throw;  // libsndfile's reason
  }
}

std::int64_t expected_decoded_samples(std::span<const std::byte> bytes, const std::string& name,
                                      const AudioOptions& options) {
  const auto longest = static_cast<std::int64_t>(options.max_duration_s * options.sample_rate);
  if (is_ffmpeg_container(bytes)) return longest;
  try {
    AudioOptions unlimited = options;
    unlimited.max_duration_s = 1e300;  // the limit is the decoder's to enforce, with its message
    return std::min(longest, AudioStream::open_memory(bytes, name, unlimited)->expected_samples());
  } catch (const InputError&) {
    return longest;  // the decoder will say what is wrong, or FFmpeg will read it
  }
}

std::string audio_mime_type(const std::string& source_format) {
  const std::string container = source_format.substr(0, source_format.find(' '));
  if (container == "WAV" || container == "WAVEX" || container == "W64") return "audio/wav";
  if (container == "FLAC") return "audio/flac";
  if (container == "OGG") return "audio/ogg";
  if (container == "MATROSKA") return "audio/webm";
  if (container == "MOV" || container == "AAC") return "audio/mp4";
  if (container == "MPEG" || container == "MP3") return "audio/mpeg";
  if (container == "AIFF") return "audio/aiff";
  return "application/octet-stream";
}

}  // namespace calmspace
