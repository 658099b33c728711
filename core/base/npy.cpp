#include "core/base/npy.h"

#include <cstring>
#include <fstream>
#include <numeric>
#include <regex>

#include "core/base/atomic_file.h"
#include "core/base/error.h"

namespace calmspace {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i)
    s += std::to_string(shape[i]) + (shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
  return s + ")";
}

std::int64_t element_count(const std::vector<std::int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
}

}  // namespace

namespace {

// The header of a v1.0 float32 C-order array, padded with spaces to `total` bytes (a multiple of
// 64) or, when total is 0, to the next multiple of 64.
std::string npy_header(const std::vector<std::int64_t>& shape, std::size_t total = 0) {
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  // magic(6) + version(2) + header_len(2) + dict + '\n'.
  const std::size_t unpadded = 10 + dict.size() + 1;
  CALMSPACE_CHECK(total == 0 || (unpadded <= total && total % 64 == 0), "npy header of ", total);
  dict.append(total ? total - unpadded : (64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out(kMagic, 6);
  out += '\x01';
  out += '\x00';
  const auto len = static_cast<std::uint16_t>(dict.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  return out + dict;
}

}  // namespace

void write_npy(const std::string& path, const std::vector<std::int64_t>& shape,
               const std::vector<float>& data) {
  CALMSPACE_CHECK(element_count(shape) == static_cast<std::int64_t>(data.size()), "shape ",
                  shape_text(shape), " holds ", element_count(shape), " values, got ", data.size());
  const std::string header = npy_header(shape);
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary);
    if (!out) throw InputError(path, "cannot open for writing");
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size() * sizeof(float)));
    if (!out) throw InputError(path, "write failed (disk full?)");
  }
  file.commit();
}

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot open .npy file");
  char magic[6] = {};
  in.read(magic, 6);
  if (!in || std::memcmp(magic, kMagic, 6) != 0) throw InputError(path, "not a .npy file");
  const int major = in.get();
  in.get();
  std::size_t header_len = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(in.get());
    header_len |= static_cast<std::size_t>(static_cast<unsigned char>(in.get())) << 8;
  } else {
    unsigned char b[4] = {};
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (std::size_t(b[3]) << 24);
  }
  std::string header(header_len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_len));
  if (!in) throw InputError(path, "truncated .npy header");
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([<|=]f[48])'")))
    throw InputError(path, "only little-endian float32/float64 .npy arrays are supported");
  const bool is_double = m[1].str().back() == '8';
  if (header.find("'fortran_order': True") != std::string::npos)
    throw InputError(path, "Fortran-order arrays are not supported");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    throw InputError(path, "no shape in .npy header");
  NpyArray array;
  const std::string dims = m[1].str();
  const std::regex number("\\d+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), number);
       it != std::sregex_iterator(); ++it)
    array.shape.push_back(std::stoll(it->str()));
  const auto count = static_cast<std::size_t>(element_count(array.shape));
  array.data.resize(count);
  if (is_double) {
    std::vector<double> values(count);
    in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(count * 8));
    std::copy(values.begin(), values.end(), array.data.begin());
  } else {
    in.read(reinterpret_cast<char*>(array.data.data()), static_cast<std::streamsize>(count * 4));
  }
  if (!in) throw InputError(path, "truncated .npy data");
  return array;
}

constexpr std::size_t kRowWriterHeader = 128;

struct NpyRowWriter::State {
  AtomicFile file;
  std::ofstream out;
  explicit State(const std::string& path) : file(path), out(file.temp_path(), std::ios::binary) {}
};

NpyRowWriter::NpyRowWriter(const std::string& path, std::int64_t dim)
    : state_(new State(path)), dim_(dim) {
  if (!state_->out) {
    delete state_;
    throw InputError(path, "cannot open for writing");
  }
  state_->out.write(std::string(kRowWriterHeader, ' ').data(), kRowWriterHeader);
}

NpyRowWriter::~NpyRowWriter() {
  delete state_;
}

void NpyRowWriter::append(const float* rows, std::int64_t n) {
  state_->out.write(reinterpret_cast<const char*>(rows),
                    static_cast<std::streamsize>(n * dim_ * std::int64_t{sizeof(float)}));
  rows_ += n;
}

void NpyRowWriter::commit() {
  const std::string header = npy_header({rows_, dim_}, kRowWriterHeader);
  state_->out.seekp(0);
  state_->out.write(header.data(), static_cast<std::streamsize>(header.size()));
  state_->out.close();
  if (!state_->out) throw InputError(state_->file.final_path(), "write failed (disk full?)");
  state_->file.commit();
}

}  // namespace calmspace
