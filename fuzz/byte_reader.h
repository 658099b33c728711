// Takes typed values off the front of a fuzzing input, for structure-aware targets: every value is
// defined for any input (an exhausted input yields zeros and empty strings).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>

namespace calmspace::fuzz {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  bool empty() const { return bytes_.empty(); }

  template <class T>
  requires std::is_trivially_copyable_v<T> T take() {
    T value{};
    const std::size_t n = std::min(sizeof(T), bytes_.size());
    if (n) std::memcpy(&value, bytes_.data(), n);  // data() of an empty span may be null
    bytes_ = bytes_.subspan(n);
    return value;
  }
  // A value in [lo, hi], drawn from one byte (lo + byte % span), for small choices.
  int small(int lo, int hi) { return lo + take<std::uint8_t>() % (hi - lo + 1); }
  // Up to `max_length` bytes: the length comes from one byte.
  std::string text(std::size_t max_length) {
    const std::size_t n = std::min<std::size_t>({take<std::uint8_t>(), max_length, bytes_.size()});
    std::string out(reinterpret_cast<const char*>(bytes_.data()), n);
    bytes_ = bytes_.subspan(n);
    return out;
  }

 private:
  std::span<const std::uint8_t> bytes_;
};

}  // namespace calmspace::fuzz
