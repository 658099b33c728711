#include "core/audio/flac_pack.h"

#include <sndfile.h>

#include <utility>
#include <vector>

#include "core/audio/memory_file.h"

namespace calmspace {
namespace {

// FLAC's subtype for an uncompressed integer subtype; 0 when there is none.
int flac_subtype(int format) {
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8:
      return SF_FORMAT_PCM_S8;
    case SF_FORMAT_PCM_16:
      return SF_FORMAT_PCM_16;
    case SF_FORMAT_PCM_24:
      return SF_FORMAT_PCM_24;
    default:
      return 0;
  }
}

bool is_uncompressed_container(int format) {
  switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV:
    case SF_FORMAT_WAVEX:
    case SF_FORMAT_RF64:
    case SF_FORMAT_W64:
    case SF_FORMAT_AIFF:
    case SF_FORMAT_AU:
    case SF_FORMAT_CAF:
      return true;
    default:
      return false;
  }
}

constexpr sf_count_t kChunkFrames = 16384;

}  // namespace

std::optional<std::string> pack_pcm_as_flac(std::span<const std::byte> bytes) {
  detail::MemoryFile source{bytes};
  SF_VIRTUAL_IO source_io = detail::MemoryFile::io();
  SF_INFO in_info{};
  detail::SndfilePtr in(sf_open_virtual(&source_io, SFM_READ, &in_info, &source));
  if (!in || !is_uncompressed_container(in_info.format) || flac_subtype(in_info.format) == 0 ||
      in_info.channels < 1 || in_info.channels > 8 || in_info.frames <= 0)
    return std::nullopt;

  detail::MemoryBuffer packed;
  SF_VIRTUAL_IO packed_io = detail::MemoryBuffer::io();
  SF_INFO out_info{};
  out_info.samplerate = in_info.samplerate;
  out_info.channels = in_info.channels;
  out_info.format = SF_FORMAT_FLAC | flac_subtype(in_info.format);
  detail::SndfilePtr out(sf_open_virtual(&packed_io, SFM_WRITE, &out_info, &packed));
  if (!out) return std::nullopt;  // e.g. a rate FLAC cannot store
  double level = 0.0;
  sf_command(out.get(), SFC_SET_COMPRESSION_LEVEL, &level, sizeof level);

  // sf_readf_int gives every integer subtype left-justified in 32 bits and sf_writef_int takes
  // them back the same way, so the sample values pass through unchanged.
  std::vector<int> chunk(static_cast<std::size_t>(kChunkFrames * in_info.channels));
  sf_count_t total = 0;
  for (;;) {
    const sf_count_t n = sf_readf_int(in.get(), chunk.data(), kChunkFrames);
    if (n <= 0) break;
    if (sf_writef_int(out.get(), chunk.data(), n) != n) return std::nullopt;
    total += n;
  }
  if (total != in_info.frames || sf_error(in.get()) != SF_ERR_NO_ERROR) return std::nullopt;
  if (sf_close(out.release()) != 0) return std::nullopt;
  if (packed.contents.size() >= bytes.size()) return std::nullopt;
  return std::move(packed.contents);
}

}  // namespace calmspace
