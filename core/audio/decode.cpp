#include "core/audio/decode.h"

#include <sndfile.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "core/audio/memory_file.h"
#include "core/audio/sndfile_read.h"
#include "core/audio/sniff.h"
#include "core/error.h"

namespace calmspace {
namespace {

using detail::MemoryFile;
using detail::SndfilePtr;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// Checks what libsndfile would report vaguely: missing, a directory, not a regular file, empty,
// unreadable. Returns the file's first bytes (up to kSniffBytes) and its size, for sniffing.
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
  const std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw InputError(path, cat("cannot be read (", std::strerror(errno), ")"));
  std::vector<std::byte> head(kSniffBytes);
  head.resize(std::fread(head.data(), 1, head.size(), file.get()));
  if (head.empty() && std::ferror(file.get()))
    throw InputError(path, cat("cannot be read (", std::strerror(errno), ")"));
  return head;
}

}  // namespace

Audio load_audio(const std::string& path, const AudioOptions& options) {
  std::uint64_t size = 0;
  const std::vector<std::byte> head = preflight(path, &size);
  if (std::string reason = truncated_header(head, size); !reason.empty())
    throw InputError(path, reason);
  SF_INFO info{};
  SndfilePtr file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) throw InputError(path, explain_open_failure(head, size, sf_strerror(nullptr)));
  return detail::read_sndfile(file.get(), info, path, options);
}

Audio decode_audio(std::span<const std::byte> bytes, const std::string& name,
                   const AudioOptions& options) {
  if (bytes.empty()) throw InputError(name, "file is empty");
  const std::span<const std::byte> head = bytes.first(std::min(bytes.size(), kSniffBytes));
  if (std::string reason = truncated_header(head, bytes.size()); !reason.empty())
    throw InputError(name, reason);
  MemoryFile memory{bytes};
  SF_VIRTUAL_IO io = MemoryFile::io();
  SF_INFO info{};
  SndfilePtr file(sf_open_virtual(&io, SFM_READ, &info, &memory));
  if (!file) throw InputError(name, explain_open_failure(head, bytes.size(), sf_strerror(nullptr)));
  return detail::read_sndfile(file.get(), info, name, options);
}

}  // namespace calmspace
