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

// A (rows, dim) float32 .npy written a block of rows at a time, for outputs too long to hold in
// memory: its header has a fixed size (128 bytes) and gets the final row count at commit().
// Atomic like write_npy: nothing appears at `path` before commit().
class NpyRowWriter {
 public:
  NpyRowWriter(const std::string& path, std::int64_t dim);
  ~NpyRowWriter();
  NpyRowWriter(const NpyRowWriter&) = delete;
  NpyRowWriter& operator=(const NpyRowWriter&) = delete;

  // rows: n * dim values.
  void append(const float* rows, std::int64_t n);
  std::int64_t rows() const { return rows_; }
  void commit();

 private:
  struct State;
  State* state_;
  std::int64_t dim_, rows_ = 0;
};

}  // namespace calmspace
