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

namespace calmspace::detail {

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

// The position arithmetic both share: the new position for (offset, whence), -1 before 0.
inline sf_count_t seek_position(sf_count_t pos, sf_count_t size, sf_count_t offset, int whence) {
  const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? pos : size;
  return base + offset < 0 ? -1 : base + offset;
}

struct MemoryFile {
  std::span<const std::byte> data;
  sf_count_t pos = 0;

  static SF_VIRTUAL_IO io() {
    SF_VIRTUAL_IO v{};
    v.get_filelen = [](void* self) -> sf_count_t { return get(self).size(); };
    v.seek = [](sf_count_t offset, int whence, void* self) -> sf_count_t {
      MemoryFile& f = get(self);
      const sf_count_t to = seek_position(f.pos, f.size(), offset, whence);
      if (to >= 0) f.pos = to;
      return to;
    };
    v.read = [](void* out, sf_count_t count, void* self) -> sf_count_t {
      MemoryFile& f = get(self);
      const sf_count_t n =
          std::clamp<sf_count_t>(f.size() - f.pos, 0, std::max<sf_count_t>(count, 0));
      if (n > 0) std::memcpy(out, f.data.data() + f.pos, static_cast<std::size_t>(n));
      f.pos += n;
      return n;
    };
    v.write = [](const void*, sf_count_t, void*) -> sf_count_t { return 0; };  // read-only
    v.tell = [](void* self) -> sf_count_t { return get(self).pos; };
    return v;
  }

 private:
  static MemoryFile& get(void* self) { return *static_cast<MemoryFile*>(self); }
  sf_count_t size() const { return static_cast<sf_count_t>(data.size()); }
};

struct MemoryBuffer {
  std::string bytes;
  sf_count_t pos = 0;

  static SF_VIRTUAL_IO io() {
    SF_VIRTUAL_IO v{};
    v.get_filelen = [](void* self) -> sf_count_t { return get(self).size(); };
    v.seek = [](sf_count_t offset, int whence, void* self) -> sf_count_t {
      MemoryBuffer& f = get(self);
      const sf_count_t to = seek_position(f.pos, f.size(), offset, whence);
      if (to >= 0) f.pos = to;
      return to;
    };
    v.read = [](void* out, sf_count_t count, void* self) -> sf_count_t {
      MemoryBuffer& f = get(self);
      const sf_count_t n =
          std::clamp<sf_count_t>(f.size() - f.pos, 0, std::max<sf_count_t>(count, 0));
      if (n > 0) std::memcpy(out, f.bytes.data() + f.pos, static_cast<std::size_t>(n));
      f.pos += n;
      return n;
    };
    v.write = [](const void* in, sf_count_t count, void* self) -> sf_count_t {
      MemoryBuffer& f = get(self);
      if (count <= 0) return 0;
      const auto end = static_cast<std::size_t>(f.pos + count);
      if (end > f.bytes.size()) f.bytes.resize(end);  // a gap after a far seek reads as zeros
      std::memcpy(f.bytes.data() + f.pos, in, static_cast<std::size_t>(count));
      f.pos += count;
      return count;
    };
    v.tell = [](void* self) -> sf_count_t { return get(self).pos; };
    return v;
  }

 private:
  static MemoryBuffer& get(void* self) { return *static_cast<MemoryBuffer*>(self); }
  sf_count_t size() const { return static_cast<sf_count_t>(bytes.size()); }
};

}  // namespace calmspace::detail
