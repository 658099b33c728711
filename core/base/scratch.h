// Scratch buffers reused across calls: grown on demand, never shrunk, so a steady stream of
// same-sized work allocates once.
#pragma once

#include <cstddef>

namespace calmspace {

// Grows `v` (a std::vector or anything with size() and resize()) to at least `n` elements.
template <class V>
void ensure_size(V& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace calmspace
