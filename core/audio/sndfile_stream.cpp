// AudioStream over libsndfile: files on disk and in-memory uploads (sf_open_virtual).
#include <sndfile.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/audio/audio_stream.h"
#include "core/audio/decode.h"
#include "core/audio/decoded_stream.h"
#include "core/audio/ffmpeg_decode.h"
#include "core/audio/memory_file.h"
#include "core/audio/sniff.h"
#include "core/base/error.h"

namespace calmspace {
namespace {

using detail::MemoryFile;
using detail::SndfilePtr;

std::string major_name(int major) {
  switch (major) {
    case SF_FORMAT_WAV:
      return "WAV";
    case SF_FORMAT_WAVEX:
      return "WAVEX";
    case SF_FORMAT_RF64:
      return "RF64";
    case SF_FORMAT_AIFF:
      return "AIFF";
    case SF_FORMAT_AU:
      return "AU";
    case SF_FORMAT_CAF:
      return "CAF";
    case SF_FORMAT_W64:
      return "W64";
    case SF_FORMAT_FLAC:
      return "FLAC";
    case SF_FORMAT_OGG:
      return "OGG";
    case SF_FORMAT_MPEG:
      return "MPEG";
    default:
      return cat("format 0x", std::hex, major);
  }
}

std::string sub_name(int sub) {
  switch (sub) {
    case SF_FORMAT_PCM_S8:
      return "PCM_S8";
    case SF_FORMAT_PCM_U8:
      return "PCM_U8";
    case SF_FORMAT_PCM_16:
      return "PCM_16";
    case SF_FORMAT_PCM_24:
      return "PCM_24";
    case SF_FORMAT_PCM_32:
      return "PCM_32";
    case SF_FORMAT_FLOAT:
      return "FLOAT";
    case SF_FORMAT_DOUBLE:
      return "DOUBLE";
    case SF_FORMAT_ULAW:
      return "ULAW";
    case SF_FORMAT_ALAW:
      return "ALAW";
    case SF_FORMAT_VORBIS:
      return "VORBIS";
    case SF_FORMAT_OPUS:
      return "OPUS";
    case SF_FORMAT_MPEG_LAYER_I:
      return "MPEG_LAYER_I";
    case SF_FORMAT_MPEG_LAYER_II:
      return "MPEG_LAYER_II";
    case SF_FORMAT_MPEG_LAYER_III:
      return "MPEG_LAYER_III";
    default:
      return cat("encoding 0x", std::hex, sub);
  }
}

std::string format_name(int format) {
  return major_name(format & SF_FORMAT_TYPEMASK) + " " + sub_name(format & SF_FORMAT_SUBMASK);
}

bool is_ogg(std::span<const std::byte> head) {
  return head.size() >= 4 && std::to_integer<char>(head[0]) == 'O' &&
         std::to_integer<char>(head[1]) == 'g' && std::to_integer<char>(head[2]) == 'g' &&
         std::to_integer<char>(head[3]) == 'S';
}

// Interleaved float frames from an open libsndfile handle: integer PCM scaled to [-1, 1), float
// data as stored (never clipped).
class SndfileStream final : public AudioStream {
 public:
  SndfileStream(const std::string& name, const AudioOptions& options,
                std::unique_ptr<MemoryFile> memory, SndfilePtr file, const SF_INFO& info)
      : AudioStream(name, options), memory_(std::move(memory)), file_(std::move(file)) {
    sf_command(file_.get(), SFC_SET_NORM_FLOAT, nullptr, SF_TRUE);
    sf_command(file_.get(), SFC_SET_CLIPPING, nullptr, SF_FALSE);
    set_source({info.samplerate, info.channels, info.frames, format_name(info.format)});
  }

 protected:
  std::int64_t read_source(std::span<float> block) override {
    const auto frames = static_cast<sf_count_t>(block.size()) / source().channels;
    const sf_count_t got = sf_readf_float(file_.get(), block.data(), frames);
    if (got > 0) return got;
    if (const int err = sf_error(file_.get()); err != SF_ERR_NO_ERROR)
      throw InputError(name(), cat("decoding failed after ", source_frames_read(),
                                   " frames (libsndfile: ", sf_error_number(err), ")"));
    return 0;
  }

 private:
  std::unique_ptr<MemoryFile> memory_;  // the in-memory file libsndfile reads (uploads)
  SndfilePtr file_;
};

}  // namespace

std::unique_ptr<AudioStream> AudioStream::open(const std::string& path,
                                               const AudioOptions& options) {
  std::uint64_t size = 0;
  const std::vector<std::byte> head = preflight(path, &size);
  // WebM, MP4 and AAC (browser recordings): FFmpeg decodes the whole file (decode.h).
  if (needs_ffmpeg(head))
    return make_decoded_stream(ffmpeg_decode_file(path, options), path, options);
  if (std::string reason = truncated_header(head, size); !reason.empty())
    throw InputError(path, reason);
  SF_INFO info{};
  SndfilePtr file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) {
    if (is_ogg(head))  // an Ogg that libsndfile refuses: FFmpeg may read it
      try {
        return make_decoded_stream(ffmpeg_decode_file(path, options), path, options);
      } catch (const InputError&) {
      }
    throw InputError(path, explain_open_failure(head, size, sf_strerror(nullptr)));
  }
  return std::make_unique<SndfileStream>(path, options, nullptr, std::move(file), info);
}

std::unique_ptr<AudioStream> AudioStream::open_memory(std::span<const std::byte> bytes,
                                                      const std::string& name,
                                                      const AudioOptions& options) {
  if (bytes.empty()) throw InputError(name, "file is empty");
  const std::span<const std::byte> head = bytes.first(std::min(bytes.size(), kSniffBytes));
  if (std::string reason = truncated_header(head, bytes.size()); !reason.empty())
    throw InputError(name, reason);
  auto memory = std::make_unique<MemoryFile>(MemoryFile{bytes});
  SF_VIRTUAL_IO io = MemoryFile::io();
  SF_INFO info{};
  SndfilePtr file(sf_open_virtual(&io, SFM_READ, &info, memory.get()));
  if (!file) throw InputError(name, explain_open_failure(head, bytes.size(), sf_strerror(nullptr)));
  return std::make_unique<SndfileStream>(name, options, std::move(memory), std::move(file), info);
}

}  // namespace calmspace
