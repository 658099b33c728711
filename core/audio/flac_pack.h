// Lossless packing of uncompressed recordings for storage: a WAV / AIFF / AU / ... file with
// 8, 16 or 24-bit integer samples is re-encoded as FLAC (libsndfile, compression level 0: the
// fastest, ~5x smaller for 16 kHz speech) with the same sample rate, channel count, bit depth
// and every sample value; metadata chunks (LIST, cue, ...) are not carried over. Used by the
// server's history so the audio it keeps costs a fifth of the disk writes.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace calmspace {

// The FLAC file, or nullopt when `bytes` is not a readable uncompressed integer-PCM file of at
// most 8 channels (compressed, float, 32-bit, unreadable, ...) or FLAC would not be smaller;
// the caller then keeps the original bytes.
std::optional<std::string> pack_pcm_as_flac(std::span<const std::byte> bytes);

}  // namespace calmspace
