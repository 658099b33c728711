// The safetensors file format (https://github.com/huggingface/safetensors), float32 tensors:
//   8 bytes: N, little-endian uint64 = header length
//   N bytes: UTF-8 JSON {"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [...],
//            "data_offsets": [begin, end]}, ...}, padded with spaces to a multiple of 8 bytes
//   then the raw little-endian tensor data; offsets are relative to its start, contiguous, in
//   file order.
// What a CalmSpace model export holds is core/run/checkpoint_safetensors.h.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace calmspace {

struct SafetensorsTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<float> data;  // product(shape) values, row-major
};

struct Safetensors {
  std::map<std::string, std::string> metadata;
  std::vector<SafetensorsTensor> tensors;  // in file order
  // nullptr when absent.
  const SafetensorsTensor* find(const std::string& name) const;
};

// Atomic write (temporary, then rename). Throws InputError(path, reason).
void write_safetensors(const std::string& path, const Safetensors& file);
// Reads F32 tensors (other dtypes: InputError). Throws InputError(path, reason) for a truncated
// or malformed file.
Safetensors read_safetensors(const std::string& path);

}  // namespace calmspace
