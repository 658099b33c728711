// Internal to core/audio: libsndfile on memory instead of files (sf_open_virtual).
//   MemoryFile: reads a span of bytes. Seeks beyond the end are allowed (reads there return 0
//   bytes, like a real file); seeks before the start fail with -1. Writes fail.
//   MemoryBuffer: a growable file for writing (and reading back) an encoded stream.
#pragma once

#include <sndfile.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/base/unique_handle.h"

namespace calmspace::detail {

struct SndfileTraits {
  using Handle = SNDFILE*;
  static SNDFILE* null() noexcept { return nullptr; }
  static void close(SNDFILE* f) noexcept { sf_close(f); }
};
using SndfilePtr = UniqueHandle<SndfileTraits>;

template <class File>
File& file_of(void* self) {
  return *static_cast<File*>(self);
}
template <class File>
sf_count_t size_of(const File& f) {
  return static_cast<sf_count_t>(f.bytes().size());
}

// The callbacks both share: File has bytes() (a contiguous range) and a position `pos`.
template <class File>
SF_VIRTUAL_IO memory_io() {
  SF_VIRTUAL_IO v{};
  v.get_filelen = [](void* self) -> sf_count_t { return size_of(file_of<File>(self)); };
  v.seek = [](sf_count_t offset, int whence, void* self) -> sf_count_t {
    File& f = file_of<File>(self);
    const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f.pos : size_of(f);
    if (base + offset < 0) return -1;
    return f.pos = base + offset;
  };
  v.read = [](void* out, sf_count_t count, void* self) -> sf_count_t {
    File& f = file_of<File>(self);
    const sf_count_t n =
        std::clamp<sf_count_t>(size_of(f) - f.pos, 0, std::max<sf_count_t>(count, 0));
    if (n > 0) std::memcpy(out, f.bytes().data() + f.pos, static_cast<std::size_t>(n));
    f.pos += n;
    return n;
  };
  v.write = [](const void*, sf_count_t, void*) -> sf_count_t { return 0; };  // read-only
  v.tell = [](void* self) -> sf_count_t { return file_of<File>(self).pos; };
  return v;
}

struct MemoryFile {
  std::span<const std::byte> data;
  sf_count_t pos = 0;

  std::span<const std::byte> bytes() const { return data; }
  static SF_VIRTUAL_IO io() { return memory_io<MemoryFile>(); }
};

struct MemoryBuffer {
  std::string contents;
  sf_count_t pos = 0;

  std::string_view bytes() const { return contents; }
  static SF_VIRTUAL_IO io() {
    SF_VIRTUAL_IO v = memory_io<MemoryBuffer>();
    v.write = [](const void* in, sf_count_t count, void* self) -> sf_count_t {
      MemoryBuffer& f = *static_cast<MemoryBuffer*>(self);
      if (count <= 0) return 0;
      const auto end = static_cast<std::size_t>(f.pos + count);
      if (end > f.contents.size()) f.contents.resize(end);  // a gap after a far seek reads as 0
      std::memcpy(f.contents.data() + f.pos, in, static_cast<std::size_t>(count));
      f.pos += count;
      return count;
    };
    return v;
  }
};

}  // namespace calmspace::detail
