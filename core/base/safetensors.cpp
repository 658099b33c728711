#include "core/base/safetensors.h"

#include <bit>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/base/atomic_file.h"
#include "core/base/error.h"

namespace calmspace {

static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes little-endian");

namespace {

std::int64_t product(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

}  // namespace

const SafetensorsTensor* Safetensors::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

void write_safetensors(const std::string& path, const Safetensors& file) {
  nlohmann::ordered_json header;
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::uint64_t offset = 0;
  for (const auto& t : file.tensors) {
    CALMSPACE_CHECK(product(t.shape) == static_cast<std::int64_t>(t.data.size()), "tensor ", t.name,
                    ": shape and data size differ");
    CALMSPACE_CHECK(t.name != "__metadata__" && !header.contains(t.name), "duplicate tensor ",
                    t.name);
    const std::uint64_t bytes = t.data.size() * sizeof(float);
    header[t.name] = {
        {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const std::uint64_t n = text.size();

  AtomicFile out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    if (!f) throw InputError(path, cat("cannot write (", std::strerror(errno), ")"));
    f.write(reinterpret_cast<const char*>(&n), 8);
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : file.tensors)
      f.write(reinterpret_cast<const char*>(t.data.data()),
              static_cast<std::streamsize>(t.data.size() * sizeof(float)));
    f.flush();
    if (!f) throw InputError(path, "write failed (disk full?)");
  }
  out.commit();
}

Safetensors read_safetensors(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path, "cannot open safetensors file");
  f.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(f.tellg());
  f.seekg(0);
  std::uint64_t n = 0;
  if (size < 8 || !f.read(reinterpret_cast<char*>(&n), 8))
    throw InputError(path, "not a safetensors file (shorter than 8 bytes)");
  if (n > size - 8) throw InputError(path, cat("header length ", n, " exceeds the file size"));
  std::string text(n, '\0');
  f.read(text.data(), static_cast<std::streamsize>(n));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, cat("header is not valid JSON (", e.what(), ")"));
  }
  if (!header.is_object()) throw InputError(path, "header is not a JSON object");
  const std::uint64_t data_start = 8 + n;
  const std::uint64_t data_size = size - data_start;
  Safetensors out;
  std::vector<std::pair<std::uint64_t, SafetensorsTensor>> by_offset;
  try {
    for (const auto& [key, value] : header.items()) {
      if (key == "__metadata__") {
        for (const auto& [mk, mv] : value.items()) out.metadata[mk] = mv.get<std::string>();
        continue;
      }
      const auto dtype = value.at("dtype").get<std::string>();
      if (dtype != "F32")
        throw InputError(path,
                         cat("tensor ", key, " has dtype ", dtype, "; only F32 is supported"));
      SafetensorsTensor t;
      t.name = key;
      t.shape = value.at("shape").get<std::vector<std::int64_t>>();
      const auto offsets = value.at("data_offsets").get<std::vector<std::uint64_t>>();
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size)
        throw InputError(path, cat("tensor ", key, " has data offsets outside the file"));
      for (auto d : t.shape)
        if (d < 0) throw InputError(path, cat("tensor ", key, " has a negative dimension"));
      if (offsets[1] - offsets[0] != static_cast<std::uint64_t>(product(t.shape)) * sizeof(float))
        throw InputError(path, cat("tensor ", key, ": byte range does not match its shape"));
      t.data.resize(static_cast<std::size_t>(product(t.shape)));
      f.seekg(static_cast<std::streamoff>(data_start + offsets[0]));
      if (!f.read(reinterpret_cast<char*>(t.data.data()),
                  static_cast<std::streamsize>(offsets[1] - offsets[0])))
        throw InputError(path, cat("tensor ", key, " is truncated"));
      by_offset.emplace_back(offsets[0], std::move(t));
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, cat("malformed header (", e.what(), ")"));
  }
  std::stable_sort(by_offset.begin(), by_offset.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [offset, t] : by_offset) out.tensors.push_back(std::move(t));
  return out;
}

}  // namespace calmspace
