// Inverted dropout between recurrent layers, drawn from a counter-based RNG: the mask of a unit is
// a pure function of (seed, layer, clip, frame, unit), so it is the same on every backend, with
// any number of threads and any batch order. Kept units are scaled by 1 / (1 - p).
#pragma once

#include <cstdint>

namespace calmspace {

// splitmix64 finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mix.
inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Key of one (clip, frame) row of layer `layer`'s output; combine with the unit via dropout_scale.
inline std::uint64_t dropout_row_key(std::uint64_t seed, int layer, std::int64_t clip,
                                     std::int64_t frame) {
  std::uint64_t k = splitmix64(seed ^ 0x6A09E667F3BCC909ull);
  k = splitmix64(k ^ static_cast<std::uint64_t>(layer));
  k = splitmix64(k ^ static_cast<std::uint64_t>(clip));
  return splitmix64(k ^ static_cast<std::uint64_t>(frame));
}

// The multiplier of one unit: 0 (dropped, probability p) or 1 / (1 - p).
inline double dropout_scale(std::uint64_t row_key, std::int64_t unit, double p) {
  const std::uint64_t r = splitmix64(row_key ^ static_cast<std::uint64_t>(unit));
  const double u = static_cast<double>(r >> 11) * 0x1.0p-53;  // uniform in [0, 1)
  return u < p ? 0.0 : 1.0 / (1.0 - p);
}

}  // namespace calmspace
