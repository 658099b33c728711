// Says in words what a file that libsndfile refused actually is, so the error names the reason:
// "not a recognised audio format (it looks like a PNG image)", "truncated WAV header (20 bytes,
// a WAV header needs at least 44)", ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace calmspace {

// How many leading bytes of a file explain_open_failure() wants to see.
inline constexpr std::size_t kSniffBytes = 512;

// "a PNG image", "text", "a WebM/Matroska container", ...; "" when the bytes are not recognised.
// `head`: the first bytes of the file (up to kSniffBytes).
std::string describe_content(std::span<const std::byte> head);

// "truncated WAV header (20 bytes, a WAV header needs at least 44)" when `head` starts like an
// audio container but the whole file (`file_size` bytes) is too short to hold its smallest
// complete header; "" otherwise. Checked before libsndfile, which accepts some such stubs as
// files with zero frames.
std::string truncated_header(std::span<const std::byte> head, std::uint64_t file_size);

// The reason (one line, no subject) why a file whose first bytes are `head` and whose size is
// `file_size` bytes could not be opened; `sndfile_message` is libsndfile's own error string.
std::string explain_open_failure(std::span<const std::byte> head, std::uint64_t file_size,
                                 const std::string& sndfile_message);

// Checks what libsndfile would report vaguely: missing, a directory, not a regular file (a FIFO is
// refused before it is opened, so nothing blocks), empty, unreadable. Returns the file's first
// bytes (up to kSniffBytes) and sets *size, for sniffing. InputError(path, reason) otherwise.
std::vector<std::byte> preflight(const std::string& path, std::uint64_t* size);

}  // namespace calmspace
