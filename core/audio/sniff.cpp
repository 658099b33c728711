#include "core/audio/sniff.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "core/base/error.h"
#include "core/base/unique_handle.h"

namespace calmspace {
namespace {

bool starts_with(std::span<const std::byte> head, std::size_t at, std::string_view magic) {
  return head.size() >= at + magic.size() &&
         std::memcmp(head.data() + at, magic.data(), magic.size()) == 0;
}

std::uint8_t byte_at(std::span<const std::byte> head, std::size_t i) {
  return i < head.size() ? static_cast<std::uint8_t>(head[i]) : 0;
}

// Printable ASCII, tabs/newlines and UTF-8 bytes only (no NUL or other control bytes).
bool looks_like_text(std::span<const std::byte> head) {
  if (head.empty()) return false;
  return std::all_of(head.begin(), head.end(), [](std::byte b) {
    const auto c = static_cast<std::uint8_t>(b);
    return c >= 0x20 || c == '\t' || c == '\n' || c == '\r' || c == '\f';
  });
}

// Audio containers libsndfile reads, by magic; "" for none.
std::string_view audio_container(std::span<const std::byte> head) {
  if ((starts_with(head, 0, "RIFF") || starts_with(head, 0, "RIFX") ||
       starts_with(head, 0, "RF64")) &&
      (starts_with(head, 8, "WAVE") || head.size() < 12))  // too short to name its form type
    return "WAV";
  if (starts_with(head, 0, "FORM") &&
      (starts_with(head, 8, "AIFF") || starts_with(head, 8, "AIFC") || head.size() < 12))
    return "AIFF";
  if (starts_with(head, 0, "fLaC")) return "FLAC";
  if (starts_with(head, 0, "OggS")) return "Ogg";
  if (starts_with(head, 0, "ID3")) return "MP3";
  if (starts_with(head, 0, "caff")) return "CAF";
  if (starts_with(head, 0, ".snd")) return "AU";
  return "";
}

// Smallest complete header per container, in bytes. WAV: RIFF 12 + fmt 8+16 + data 8. AIFF:
// FORM 12 + COMM 8+18 + SSND 8+8. FLAC: "fLaC" 4 + STREAMINFO 4+34. Ogg: page header 27 + one
// lacing byte + the smallest codec id packet (Opus, 19).
std::uint64_t minimum_header_bytes(std::string_view container) {
  if (container == "WAV") return 44;
  if (container == "AIFF") return 54;
  if (container == "FLAC") return 42;
  if (container == "Ogg") return 47;
  return 0;
}

// libsndfile messages end with a period and sometimes a newline; errors here are one line.
std::string tidy(std::string message) {
  std::replace(message.begin(), message.end(), '\n', ' ');
  while (!message.empty() && (message.back() == '.' || message.back() == ' ')) message.pop_back();
  return message;
}

}  // namespace

std::string describe_content(std::span<const std::byte> head) {
  if (starts_with(head, 0, "\x89PNG")) return "a PNG image";
  if (byte_at(head, 0) == 0xFF && byte_at(head, 1) == 0xD8 && byte_at(head, 2) == 0xFF)
    return "a JPEG image";
  if (starts_with(head, 0, "GIF8")) return "a GIF image";
  if (starts_with(head, 0, "%PDF")) return "a PDF document";
  if (starts_with(head, 0, "PK\x03\x04")) return "a ZIP archive";
  if (byte_at(head, 0) == 0x1F && byte_at(head, 1) == 0x8B) return "a gzip archive";
  if (starts_with(head, 0,
                  "\x7F"
                  "ELF"))
    return "an executable program";
  if (starts_with(head, 0, "RIFF") && starts_with(head, 8, "WEBP")) return "a WebP image";
  if (starts_with(head, 0, "RIFF") && starts_with(head, 8, "AVI ")) return "an AVI video";
  if (starts_with(head, 4, "ftyp")) return "an MP4/M4A container";
  if (starts_with(head, 0, "\x1A\x45\xDF\xA3")) return "a WebM/Matroska container";
  if (looks_like_text(head)) return "text";
  return "";
}

std::string truncated_header(std::span<const std::byte> head, std::uint64_t file_size) {
  const std::string_view container = audio_container(head);
  const std::uint64_t needed = minimum_header_bytes(container);
  if (file_size >= needed) return "";
  return cat("truncated ", container, " header (", file_size, " bytes, a ", container,
             " header needs at least ", needed, ")");
}

std::string explain_open_failure(std::span<const std::byte> head, std::uint64_t file_size,
                                 const std::string& sndfile_message) {
  const std::string library = tidy(sndfile_message);
  const std::string_view container = audio_container(head);
  if (!container.empty()) {
    if (std::string reason = truncated_header(head, file_size); !reason.empty()) return reason;
    // libsndfile says "File does not exist or is not a regular file (possibly a pipe?)" for an
    // MP3 in which libmpg123 finds no frame: the file was opened, so that reason is wrong.
    if (library.find("possibly a pipe") != std::string::npos)
      return cat("damaged or unsupported ", container, " file (no audio frame could be decoded)");
    return cat("damaged or unsupported ", container, " file (libsndfile: ", library, ")");
  }
  const std::string what = describe_content(head);
  if (!what.empty()) return cat("not a recognised audio format (it looks like ", what, ")");
  return cat("not a recognised audio format (libsndfile: ", library, ")");
}

namespace {

struct FileTraits {
  using Handle = std::FILE*;
  static std::FILE* null() noexcept { return nullptr; }
  static void close(std::FILE* f) noexcept { std::fclose(f); }
};

}  // namespace

std::vector<std::byte> preflight(const std::string& path, std::uint64_t* size) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) throw InputError(path, "no such file");
  if (ec) throw InputError(path, cat("cannot be read (", ec.message(), ")"));
  if (status.type() == fs::file_type::directory)
    throw InputError(path, "is a directory, not an audio file");
  if (status.type() != fs::file_type::regular)
    throw InputError(path, "not a regular file (a device, pipe or socket?)");
  *size = fs::file_size(path, ec);
  if (ec) throw InputError(path, cat("cannot be read (", ec.message(), ")"));
  if (*size == 0) throw InputError(path, "file is empty");

  errno = 0;
  const UniqueHandle<FileTraits> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw InputError(path, cat("cannot be read (", std::strerror(errno), ")"));
  std::vector<std::byte> head(kSniffBytes);
  head.resize(std::fread(head.data(), 1, head.size(), file.get()));
  if (head.empty() && std::ferror(file.get()))
    throw InputError(path, cat("cannot be read (", std::strerror(errno), ")"));
  return head;
}

}  // namespace calmspace
