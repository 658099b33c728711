#include "tools/serve/upload_decoder.h"

#include <algorithm>

#include "core/audio/audio_stream.h"
#include "core/error.h"
#include "tools/serve/ffmpeg_decode.h"

namespace calmspace::serve {

Audio decode_upload(std::span<const std::byte> bytes, const std::string& name,
                    const AudioOptions& options) {
  if (is_ffmpeg_container(bytes)) return ffmpeg_decode(bytes, name, options);
  try {
    return decode_audio(bytes, name, options);
  } catch (const InputError&) {
    const bool ogg = bytes.size() >= 4 && std::to_integer<char>(bytes[0]) == 'O' &&
                     std::to_integer<char>(bytes[1]) == 'g' &&
                     std::to_integer<char>(bytes[2]) == 'g' &&
                     std::to_integer<char>(bytes[3]) == 'S';
    if (!ogg) throw;
    try {
      return ffmpeg_decode(bytes, name, options);
    } catch (const InputError&) {
    }
    throw;  // libsndfile's reason
  }
}

std::int64_t expected_upload_samples(std::span<const std::byte> bytes, const std::string& name,
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

}  // namespace calmspace::serve
