// NumPy .npy files (format version 1.0, little-endian float32 '<f4', C order): the exchange
// format with numpy/torch (`numpy.load`) and the golden files under tests/golden.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace calmspace {

struct NpyArray {
  std::vector<std::int64_t> shape;
  std::vector<float> data;  // product(shape) values, C order
};

// Writes atomically (temporary, then rename). Throws InputError(path, reason).
void write_npy(const std::string& path, const std::vector<std::int64_t>& shape,
               const std::vector<float>& data);
// Reads '<f4' or '<f8' (converted to float) arrays in C order. Throws InputError(path, reason).
NpyArray read_npy(const std::string& path);

}  // namespace calmspace
